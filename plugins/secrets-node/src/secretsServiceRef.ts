import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { readDurationFromConfig } from '@backstage/config';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { durationToMilliseconds } from '@backstage/types';
import { DefaultSecretsClient } from './client/DefaultSecretsClient';
import type { SecretsService } from './SecretsService';

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
        const durationMs = (key: string) =>
          config.has(key)
            ? durationToMilliseconds(readDurationFromConfig(config, { key }))
            : undefined;
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
          cacheMaxEntries: config.getOptionalNumber(
            'secrets.client.cacheMaxEntries',
          ),
          checkIntervalMs: durationMs('secrets.client.checkInterval'),
          maxHeartbeatIntervalMs: durationMs(
            'secrets.client.maxHeartbeatInterval',
          ),
          maxStalenessCapMs: durationMs('secrets.client.maxStalenessCap'),
        });
      },
    }),
});
