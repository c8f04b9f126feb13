import type {
  AuditorService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { toError } from '@backstage/errors';
import type {
  AppConfigSecretsState,
  AppConfigSecretUse,
} from './appConfigState';

/** Who a read into app-config is recorded as (last used by). */
export const APP_CONFIG_READER = 'app-config';

/**
 * The plugin's side of app-config secrets: audits each read the root config
 * made of a stored value (those of start-up, which happened before the
 * plugin existed, as soon as it starts) and records it as the last use by
 * `app-config`. Warns when secrets are declared with `appConfig: true` but
 * the root config is the stock one. Returns the unsubscribe.
 */
export function reportAppConfigLoads(options: {
  state: AppConfigSecretsState;
  declared: string[];
  auditor?: AuditorService;
  logger: LoggerService;
  record: (use: { name: string; at: string; by: string }) => void;
}): () => void {
  const { state, declared, auditor, logger, record } = options;
  if (!state.active) {
    if (declared.length > 0) {
      logger.warn(
        `Secrets ${declared.join(
          ', ',
        )} are declared with appConfig: true, but the backend's root config is not secretsRootConfigServiceFactory(): their stored values are not substituted into app-config. Add backend.add(secretsRootConfigServiceFactory()) to the backend.`,
      );
    }
    return () => {};
  }
  const audit = async (use: AppConfigSecretUse) => {
    if (!auditor) return;
    const event = await auditor.createEvent({
      eventId: 'secret-app-config-load',
      severityLevel: 'low',
      meta: {
        name: use.name,
        version: use.version,
        reader: APP_CONFIG_READER,
        when: use.startup ? 'start-up' : 'reload',
      },
    });
    await event.success();
  };
  return state.subscribe(uses => {
    for (const use of uses) {
      record({ name: use.name, at: use.at, by: APP_CONFIG_READER });
      audit(use).catch(error =>
        logger.warn(
          `Could not audit the app-config load of secret ${use.name}: ${
            toError(error).message
          }`,
        ),
      );
    }
  });
}
