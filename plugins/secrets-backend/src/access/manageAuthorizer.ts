import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  entitySecretsManagePermission,
  manageSecretsPermission,
} from '@backstage-secrets/plugin-secrets-common';
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

/**
 * Whether credentials may set and clear an entity's values
 * (`secrets.entity.manage` on the entity). Asked with the entity as the
 * resource, so a policy's conditional answer (the catalog's rules, e.g.
 * `isEntityOwner`) is evaluated by the catalog. With the framework
 * disabled, as for manage-secrets: only the operator's explicit choice.
 */
export function createEntityManageAuthorizer(options: {
  permissions: PermissionsService;
  config: Pick<
    SecretsConfig,
    'permissionFrameworkEnabled' | 'manageWithoutPermissionFramework'
  >;
}): (credentials: BackstageCredentials, entityRef: string) => Promise<boolean> {
  const { permissions, config } = options;
  const permissionFrameworkEnabled = config.permissionFrameworkEnabled();
  const allowWithoutPermissionFramework =
    config.manageWithoutPermissionFramework();
  return async (credentials, entityRef) => {
    if (!permissionFrameworkEnabled) return allowWithoutPermissionFramework;
    const [decision] = await permissions.authorize(
      [{ permission: entitySecretsManagePermission, resourceRef: entityRef }],
      { credentials },
    );
    return decision.result === AuthorizeResult.ALLOW;
  };
}
