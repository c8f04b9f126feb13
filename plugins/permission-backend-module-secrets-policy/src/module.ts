import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  normalizeEntityRef,
  SecretsManagersPolicy,
} from './SecretsManagersPolicy';

/**
 * A module of the `permission` plugin that installs
 * {@link SecretsManagersPolicy}: `manage-secrets` only for the users and
 * groups in `secrets.permission.managers`, every other permission allowed.
 * It replaces the allow-all policy module (a backend has one policy).
 *
 * @public
 */
export const permissionModuleSecretsPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'secrets-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        policy: policyExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ policy, config, logger }) {
        const managers =
          config.getOptionalStringArray('secrets.permission.managers') ?? [];
        for (const ref of managers) {
          try {
            normalizeEntityRef(ref);
          } catch (error) {
            throw new Error(
              `secrets.permission.managers holds '${ref}', which is not an entity ref such as group:default/admins or user:default/alice: ${
                error instanceof Error ? error.message : String(error)
              }`,
            );
          }
        }
        if (managers.length === 0) {
          logger.warn(
            'No secrets.permission.managers are configured: nobody may manage secrets. Add the entity refs of the users or groups who may, e.g. group:default/admins.',
          );
        } else {
          logger.info(
            `manage-secrets is granted to ${managers.join(
              ', ',
            )}; every other permission is allowed (this policy replaces allow-all).`,
          );
        }
        policy.setPolicy(new SecretsManagersPolicy({ managers }));
      },
    });
  },
});
