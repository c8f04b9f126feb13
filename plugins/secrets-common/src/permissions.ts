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
 * Every permission of the secrets plugin.
 *
 * @public
 */
export const secretsPermissions = [manageSecretsPermission];
