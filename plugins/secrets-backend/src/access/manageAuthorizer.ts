import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { manageSecretsPermission } from '@backstage-secrets/plugin-secrets-common';
import type { SecretsConfig } from '../config';

/**
 * The manage-secrets decision for credentials: the permission framework's
 * answer, or, when the framework is disabled, the operator's explicit
 * choice (fail closed otherwise). Used by the manage routes and by the
 * actions. Throws NotAllowedError when refused.
 */
export function createManageAuthorizer(options: {
  permissions: PermissionsService;
  config: Pick<
    SecretsConfig,
    'permissionFrameworkEnabled' | 'manageWithoutPermissionFramework'
  >;
}): (credentials: BackstageCredentials) => Promise<void> {
  const { permissions, config } = options;
  const permissionFrameworkEnabled = config.permissionFrameworkEnabled();
  const allowWithoutPermissionFramework =
    config.manageWithoutPermissionFramework();
  return async credentials => {
    if (!permissionFrameworkEnabled) {
      if (!allowWithoutPermissionFramework) {
        throw new NotAllowedError(
          'The secrets manage API is disabled because the permission framework is not enabled (permission.enabled is not true). Enable it and grant manage-secrets through a policy, or set secrets.dangerouslyAllowManageWithoutPermissionFramework: true to let every signed-in user manage secrets.',
        );
      }
      return;
    }
    const [decision] = await permissions.authorize(
      [{ permission: manageSecretsPermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        'You need the manage-secrets permission to manage secrets.',
      );
    }
  };
}
