import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { secretsExtensionPoint } from '@backstage-secrets/plugin-secrets-node';
import { secretsPermissions } from '@backstage-secrets/plugin-secrets-common';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { deleteOrphanedUserSecrets } from './service/userSecretOrphans';
import { createRouter } from './service/router';
import { readDurationFromConfigOr } from './service/readDuration';
import { SecretsRegistry } from './service/SecretsRegistry';
import { createSecretsManager } from './service/createSecretsManager';

/**
 * The secrets backend plugin: an encrypted store of the secrets that other
 * plugins register, a REST API to manage them, and the values for backend
 * plugins.
 *
 * @public
 */
export const secretsPlugin = createBackendPlugin({
  pluginId: 'secrets',
  register(env) {
    // Modules register their secrets before the plugin's init runs; init
    // closes the registry.
    const registry = new SecretsRegistry();
    env.registerExtensionPoint({
      extensionPoint: secretsExtensionPoint,
      factory: () => registry.createExtensionPoint(),
    });

    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        lifecycle: coreServices.lifecycle,
        scheduler: coreServices.scheduler,
        catalog: catalogServiceRef,
      },
      async init({
        config,
        logger,
        database,
        httpRouter,
        httpAuth,
        auth,
        permissions,
        permissionsRegistry,
        auditor,
        lifecycle,
        scheduler,
        catalog,
      }) {
        for (const warning of registry.close()) {
          logger.warn(warning);
        }

        permissionsRegistry.addPermissions(secretsPermissions);

        const { manager, userManager, userStore, rotation } =
          await createSecretsManager({
            config,
            logger,
            database,
            lifecycle,
            registry,
          });

        // Re-encrypts rows under older keys after a key rotation. A global
        // task: one replica at a time runs it, and each row update is
        // compare-and-set anyway.
        await scheduler.scheduleTask({
          id: 'secrets-reencrypt',
          frequency: readDurationFromConfigOr(
            config,
            'secrets.encryption.rotation.frequency',
            { minutes: 1 },
          ),
          timeout: { minutes: 15 },
          initialDelay: { seconds: 5 },
          fn: async abortSignal => {
            await rotation.run(abortSignal);
          },
        });

        // Users' values outlive their owner in the catalog only for a grace
        // period (default 30 days), so that a short catalog outage or a
        // re-import deletes nothing.
        const gracePeriodKey = 'secrets.userSecrets.orphanGracePeriod';
        const gracePeriodMs = durationToMilliseconds(
          config.has(gracePeriodKey)
            ? readDurationFromConfig(config, { key: gracePeriodKey })
            : { days: 30 },
        );
        await scheduler.scheduleTask({
          id: 'secrets-user-orphans',
          frequency: { hours: 1 },
          timeout: { minutes: 10 },
          initialDelay: { minutes: 5 },
          fn: async () => {
            await deleteOrphanedUserSecrets({
              store: userStore,
              catalog,
              auth,
              auditor,
              logger,
              gracePeriodMs,
            });
          },
        });

        httpRouter.use(
          await createRouter({
            manager,
            userManager,
            rotation,
            httpAuth,
            auth,
            permissions,
            auditor,
            config,
          }),
        );
      },
    });
  },
});
