import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  entitySecretsManagePermission,
  manageSecretsPermission,
} from '@backstage-secrets/plugin-secrets-common';

/** Members of this group may manage secrets; nobody else may. */
export const SECRETS_ADMIN_GROUP = 'group:default/admins';

/**
 * The demo app's policy: `manage-secrets` only for members of the admins
 * group (membership comes from the catalog, through the user's ownership
 * refs in their Backstage token); `secrets.entity.manage` for admins and
 * for an entity's owners (the catalog evaluates `isEntityOwner`);
 * everything else in this small demo is allowed.
 */
export class DemoPermissionPolicy implements PermissionPolicy {
  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (request.permission.name === manageSecretsPermission.name) {
      const refs = user?.info.ownershipEntityRefs ?? [];
      return {
        result: refs.includes(SECRETS_ADMIN_GROUP)
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
      };
    }
    if (request.permission.name === entitySecretsManagePermission.name) {
      const refs = user?.info.ownershipEntityRefs ?? [];
      if (refs.includes(SECRETS_ADMIN_GROUP)) {
        return { result: AuthorizeResult.ALLOW };
      }
      if (!user) return { result: AuthorizeResult.DENY };
      return createCatalogConditionalDecision(
        entitySecretsManagePermission,
        catalogConditions.isEntityOwner({ claims: refs }),
      );
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

export const permissionModuleDemoPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'demo-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new DemoPermissionPolicy());
      },
    });
  },
});
