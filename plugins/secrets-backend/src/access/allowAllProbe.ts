import type {
  AuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { manageSecretsPermission } from '@backstage-secrets/plugin-secrets-common';
import type { SecretsConfig } from '../config';

/** The warning an installation that lets everyone manage secrets gets. */
export const EVERYONE_MAY_MANAGE_WARNING =
  "Every signed-in user can manage secrets: the permission policy allows manage-secrets even to a caller that is no user at all, as create-app's allow-all policy does, so secrets.permission.managers is not used. Replace the allow-all policy module with @backstage-secrets/plugin-permission-backend-module-secrets-policy (manage-secrets for secrets.permission.managers only, everything else allowed as before), or give your own policy a manage-secrets rule.";

/** The warning when the permission framework is off but managing is allowed. */
export const NO_PERMISSION_FRAMEWORK_WARNING =
  'Every signed-in user can manage secrets: the permission framework is disabled and secrets.dangerouslyAllowManageWithoutPermissionFramework is true. Enable permission.enabled and grant manage-secrets through a policy.';

/**
 * Whether the permission policy lets anyone manage secrets: asked once,
 * after start-up (the permission backend serves from then on), for a caller
 * that is no user at all. A policy that says yes to that says yes to every
 * signed-in user too. Logged as a warning, and shown on the page.
 */
export class AllowAllProbe {
  #everyoneMayManage = false;

  constructor(
    private readonly options: {
      permissions: PermissionsService;
      auth: AuthService;
      logger: LoggerService;
      config: Pick<
        SecretsConfig,
        'permissionFrameworkEnabled' | 'manageWithoutPermissionFramework'
      >;
    },
  ) {}

  /** True once the probe found that everyone may manage secrets. */
  everyoneMayManage(): boolean {
    return this.#everyoneMayManage;
  }

  async probe(): Promise<void> {
    const { permissions, auth, logger, config } = this.options;
    if (!config.permissionFrameworkEnabled()) {
      if (config.manageWithoutPermissionFramework()) {
        this.#everyoneMayManage = true;
        logger.warn(NO_PERMISSION_FRAMEWORK_WARNING);
      }
      return;
    }
    try {
      const [decision] = await permissions.authorize(
        [{ permission: manageSecretsPermission }],
        { credentials: await auth.getNoneCredentials() },
      );
      this.#everyoneMayManage = decision.result === AuthorizeResult.ALLOW;
    } catch (error) {
      logger.debug(
        `Could not ask the permission policy whether everyone may manage secrets: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
      return;
    }
    if (this.#everyoneMayManage) logger.warn(EVERYONE_MAY_MANAGE_WARNING);
  }
}
