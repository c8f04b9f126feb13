import {
  BackstageCredentials,
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { readDurationFromConfig } from '@backstage/config';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { durationToMilliseconds } from '@backstage/types';
import { DefaultSecretsClient } from './client/DefaultSecretsClient';

/**
 * Options of a secret read.
 *
 * @public
 */
export interface SecretReadOptions {
  /**
   * The user the calling plugin acts for, for user-scoped secrets (one
   * value per user). Shared secrets are always read with the plugin's own
   * credentials: for them this option is ignored, since the backend never
   * serves a shared value to a user's token, not even one a plugin obtained
   * on the user's behalf.
   */
  onBehalfOf?: BackstageCredentials;
}

/**
 * Reads secret values. Available to every backend plugin through
 * {@link secretsServiceRef}.
 *
 * @public
 */
export interface SecretsService {
  /**
   * The secret's value, or `undefined` when no value is set (neither in the
   * configuration, the environment, nor the database). Rejects with a
   * `NotAllowedError` when the calling plugin is not among the secret's
   * readers.
   */
  getSecret(
    name: string,
    options?: SecretReadOptions,
  ): Promise<string | undefined>;
  /**
   * The secret's value; throws a `NotFoundError` that says where an admin
   * sets it when no value is set.
   */
  requireSecret(name: string, options?: SecretReadOptions): Promise<string>;
}

/**
 * The secrets service. Its default implementation calls the `secrets`
 * backend plugin over HTTP with the calling plugin's service token, so it
 * works whether that plugin runs in the same process or elsewhere.
 *
 * @public
 */
export const secretsServiceRef = createServiceRef<SecretsService>({
  id: 'secrets.service',
  scope: 'plugin',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        config: coreServices.rootConfig,
        events: eventsServiceRef,
        logger: coreServices.logger,
      },
      factory({ auth, discovery, config, events, logger }) {
        const maxStalenessKey = 'secrets.client.maxStaleness';
        return new DefaultSecretsClient({
          auth,
          discovery,
          events,
          logger,
          cacheTtlMs: config.getOptionalNumber(
            'secrets.client.cacheTtlMilliseconds',
          ),
          maxStalenessMs: config.has(maxStalenessKey)
            ? durationToMilliseconds(
                readDurationFromConfig(config, { key: maxStalenessKey }),
              )
            : undefined,
        });
      },
    }),
});
