import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Allows a user to list secrets (metadata only), set, replace and clear their
 * values. It never allows reading a value: only backend plugins can do that.
 *
 * @public
 */
export const manageSecretsPermission = createPermission({
  name: 'manage-secrets',
  attributes: { action: 'update' },
});

/**
 * Allows a user to set and clear an entity's own values of entity-scoped
 * secrets: a resource permission on the catalog entity, so that policies
 * answer with the catalog's conditions (e.g. `isEntityOwner`). It never
 * allows reading a value.
 *
 * @public
 */
export const entitySecretsManagePermission = createPermission({
  name: 'secrets.entity.manage',
  attributes: { action: 'update' },
  resourceType: 'catalog-entity',
});

/**
 * Every permission of the secrets plugin.
 *
 * @public
 */
export const secretsPermissions = [
  manageSecretsPermission,
  entitySecretsManagePermission,
];
