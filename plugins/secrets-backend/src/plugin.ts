import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { secretsExtensionPoint } from '@backstage-secrets/plugin-secrets-node';
import { secretsPermissions } from '@backstage-secrets/plugin-secrets-common';
import { createRouter } from './service/router';
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
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        lifecycle: coreServices.lifecycle,
      },
      async init({
        config,
        logger,
        database,
        httpRouter,
        httpAuth,
        permissions,
        permissionsRegistry,
        auditor,
        lifecycle,
      }) {
        for (const warning of registry.close()) {
          logger.warn(warning);
        }

        permissionsRegistry.addPermissions(secretsPermissions);

        const manager = await createSecretsManager({
          config,
          logger,
          database,
          lifecycle,
          registry,
        });

        httpRouter.use(
          await createRouter({
            manager,
            httpAuth,
            permissions,
            auditor,
            config,
          }),
        );
      },
    });
  },
});
