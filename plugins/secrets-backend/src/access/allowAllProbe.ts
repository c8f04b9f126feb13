import type {
  AuthService,
  LoggerService,
  PermissionsService,
  RootInstanceMetadataService,
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

/** The module create-app installs: `@backstage/plugin-permission-backend-module-allow-all-policy`. */
const ALLOW_ALL_MODULE = {
  pluginId: 'permission',
  moduleId: 'allow-all-policy',
};

/**
 * Whether the permission policy lets anyone manage secrets, found once after
 * start-up in two ways: the permission plugin runs create-app's allow-all
 * module (from the instance's list of installed features), or the policy
 * says yes when asked for a caller that is no user at all (a policy that
 * says yes to that says yes to every signed-in user too; Backstage's
 * default auth policy usually refuses such a call before the policy sees
 * it, hence the first way). Logged as a warning, and shown on the page.
 */
export class AllowAllProbe {
  #everyoneMayManage = false;
  /** settled once the policy answered (or there is nothing to ask) */
  #answered: Promise<void> | undefined;

  constructor(
    private readonly options: {
      permissions: PermissionsService;
      auth: AuthService;
      logger: LoggerService;
      config: Pick<
        SecretsConfig,
        'permissionFrameworkEnabled' | 'manageWithoutPermissionFramework'
      >;
      /** the features installed in this backend instance */
      instance?: Pick<RootInstanceMetadataService, 'getInstalledPlugins'>;
      /** waits between attempts while the permission backend is not up yet */
      retryDelaysMs?: number[];
    },
  ) {}

  /**
   * Whether everyone may manage secrets, asking the policy first if it has
   * not answered yet (the page's list waits for it).
   */
  async everyoneMayManage(): Promise<boolean> {
    await this.probe();
    return this.#everyoneMayManage;
  }

  /**
   * Asks the policy once (shared by concurrent callers); retried while the
   * permission backend cannot be reached yet, e.g. right after start-up.
   */
  probe(): Promise<void> {
    // Asked once: a policy that cannot be reached after the retries is
    // logged (debug) and not asked again, so the page never waits twice.
    this.#answered ??= this.#ask().catch(() => {});
    return this.#answered;
  }

  async #ask(): Promise<void> {
    const { permissions, auth, logger, config } = this.options;
    if (!config.permissionFrameworkEnabled()) {
      if (config.manageWithoutPermissionFramework()) {
        this.#everyoneMayManage = true;
        logger.warn(NO_PERMISSION_FRAMEWORK_WARNING);
      }
      return;
    }
    if (await this.#runsAllowAllModule()) {
      this.#everyoneMayManage = true;
      logger.warn(EVERYONE_MAY_MANAGE_WARNING);
      return;
    }
    const delays = this.options.retryDelaysMs ?? [500, 1000, 2000, 4000];
    for (let attempt = 0; ; attempt++) {
      try {
        const [decision] = await permissions.authorize(
          [{ permission: manageSecretsPermission }],
          { credentials: await auth.getNoneCredentials() },
        );
        this.#everyoneMayManage = decision.result === AuthorizeResult.ALLOW;
        break;
      } catch (error) {
        // An answer (e.g. 401 from the default auth policy) is final; only
        // a permission backend that does not serve yet is asked again.
        const answered = (error as { response?: unknown })?.response;
        if (answered || attempt >= delays.length) {
          logger.debug(
            `Could not ask the permission policy whether everyone may manage secrets: ${
              error instanceof Error ? error.message : String(error)
            }`,
          );
          throw error;
        }
        await new Promise(resolve =>
          setTimeout(resolve, delays[attempt]).unref(),
        );
      }
    }
    if (this.#everyoneMayManage) logger.warn(EVERYONE_MAY_MANAGE_WARNING);
  }

  async #runsAllowAllModule(): Promise<boolean> {
    const plugins = await this.options.instance
      ?.getInstalledPlugins()
      .catch(() => []);
    return Boolean(
      plugins?.some(
        plugin =>
          plugin.pluginId === ALLOW_ALL_MODULE.pluginId &&
          plugin.modules.some(m => m.moduleId === ALLOW_ALL_MODULE.moduleId),
      ),
    );
  }
}
