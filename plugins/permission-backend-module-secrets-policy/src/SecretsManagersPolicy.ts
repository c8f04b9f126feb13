import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  entitySecretsManagePermission,
  manageSecretsPermission,
} from '@backstage-secrets/plugin-secrets-common';

/** A canonical, lower-case entity ref; refs without a namespace get `default`. */
export function normalizeEntityRef(ref: string): string {
  return stringifyEntityRef(
    parseEntityRef(ref.trim(), { defaultNamespace: 'default' }),
  ).toLocaleLowerCase('en-US');
}

/**
 * A permission policy for apps that otherwise allow everything:
 * `manage-secrets` is granted only to the given managers (users or groups,
 * by entity ref); `secrets.entity.manage` (an entity's own values of
 * entity-scoped secrets) to the managers and to the entity's owners (a
 * conditional decision the catalog evaluates: `isEntityOwner`); every
 * other permission is allowed, exactly as the allow-all policy does. It
 * narrows secrets management and nothing else.
 *
 * @public
 */
export class SecretsManagersPolicy implements PermissionPolicy {
  readonly #managers: Set<string>;

  constructor(options: { managers: string[] }) {
    this.#managers = new Set(options.managers.map(normalizeEntityRef));
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const isEntityManage =
      request.permission.name === entitySecretsManagePermission.name;
    if (
      request.permission.name !== manageSecretsPermission.name &&
      !isEntityManage
    ) {
      return { result: AuthorizeResult.ALLOW };
    }
    const refs = user
      ? [user.info.userEntityRef, ...(user.info.ownershipEntityRefs ?? [])]
      : [];
    const isManager = refs.some(ref => {
      try {
        return this.#managers.has(normalizeEntityRef(ref));
      } catch {
        return false;
      }
    });
    if (isManager) return { result: AuthorizeResult.ALLOW };
    if (isEntityManage && user) {
      // The entity's owners: the catalog evaluates the condition on the entity.
      return createCatalogConditionalDecision(
        entitySecretsManagePermission,
        catalogConditions.isEntityOwner({
          claims: user.info.ownershipEntityRefs ?? [user.info.userEntityRef],
        }),
      );
    }
    return { result: AuthorizeResult.DENY };
  }
}
