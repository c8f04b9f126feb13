import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  secretsExtensionPoint,
  type SecretsKeyProvider,
  secretsKeyProvidersExtensionPoint,
} from '@backstage-secrets/plugin-secrets-node';
import { secretsPermissions } from '@backstage-secrets/plugin-secrets-common';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { AllowAllProbe } from './access';
import { registerSecretsActions } from './actions';
import { SecretsConfig } from './config';
import {
  guardProxyReferences,
  registerConfigDefinitions,
  SecretsRegistry,
} from './registry';
import {
  createRouter,
  scheduleSecretsTasks,
  wireSecretsBackend,
} from './service';

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
    // Key providers of modules (aws-kms, …); `local` is built in.
    const keyProviders: SecretsKeyProvider[] = [];
    env.registerExtensionPoint({
      extensionPoint: secretsKeyProvidersExtensionPoint,
      factory: () => ({
        addKeyProvider(provider) {
          if (typeof provider?.id !== 'string' || !provider.id) {
            throw new Error('A key provider needs a non-empty string id');
          }
          if (
            provider.id === 'local' ||
            keyProviders.some(added => added.id === provider.id)
          ) {
            throw new Error(
              `A key provider with the id '${provider.id}' is already installed; install only one module for it.`,
            );
          }
          keyProviders.push(provider);
        },
      }),
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
        rootLifecycle: coreServices.rootLifecycle,
        instanceMetadata: coreServices.rootInstanceMetadata,
        scheduler: coreServices.scheduler,
        catalog: catalogServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
        notifications: notificationService,
        events: eventsServiceRef,
      },
      async init({
        config: rootConfig,
        logger,
        database,
        httpRouter,
        httpAuth,
        auth,
        permissions,
        permissionsRegistry,
        auditor,
        lifecycle,
        rootLifecycle,
        instanceMetadata,
        scheduler,
        catalog,
        actionsRegistry,
        notifications,
        events,
      }) {
        const config = new SecretsConfig(rootConfig);
        // Secrets declared in app-config (secrets.definitions) register
        // after the modules', through the same registry and rules.
        registerConfigDefinitions(config, registry);
        for (const warning of [
          ...registry.close(),
          ...guardProxyReferences(config, registry),
        ]) {
          logger.warn(warning);
        }

        permissionsRegistry.addPermissions(secretsPermissions);

        const secrets = await wireSecretsBackend({
          config,
          logger,
          database,
          lifecycle,
          rootLifecycle,
          registry,
          events,
          keyProviders,
          auditor,
        });

        await scheduleSecretsTasks({
          config,
          scheduler,
          reencryption: secrets.reencryption,
          userStore: secrets.userStore,
          entityStore: secrets.entityStore,
          catalog,
          auth,
          auditor,
          logger,
          summaries: secrets.summaries,
          reminderStore: secrets.reminderStore,
          notifications,
        });

        // list-secrets and check-secret, for AI agents (MCP) and automation.
        registerSecretsActions({
          actionsRegistry,
          summaries: secrets.summaries,
          valueCheck: secrets.valueCheck,
          auth,
          permissions,
          auditor,
          config,
        });

        // Warns (and tells the page) when the policy lets anyone manage
        // secrets, e.g. create-app's allow-all policy left in place.
        const allowAll = new AllowAllProbe({
          permissions,
          auth,
          logger,
          config,
          instance: instanceMetadata,
        });
        lifecycle.addStartupHook(() => {
          // In the background: the permission backend may not serve yet.
          void allowAll.probe();
        });

        httpRouter.use(
          await createRouter({
            ...secrets,
            allowAll,
            httpAuth,
            auth,
            permissions,
            auditor,
            config,
            catalog,
          }),
        );
      },
    });
  },
});
