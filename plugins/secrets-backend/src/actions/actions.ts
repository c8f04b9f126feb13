import type {
  AuditorService,
  AuthService,
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { isError, NotAllowedError } from '@backstage/errors';
import type { JsonObject } from '@backstage/types';
import {
  manageSecretsPermission,
  SecretSummary,
} from '@backstage-secrets/plugin-secrets-common';
import { createManageAuthorizer } from '../access';
import type { CurrentValueCheck } from '../checks';
import type { SecretsConfig } from '../config';
import { parseInput, secretNameSchema } from '../schema';
import type { SecretSummaries } from '../values';

/**
 * What an agent learns of one secret: the summary's metadata, never a
 * value (summaries carry none), named field by field so that nothing added
 * to the summary later reaches agents unreviewed.
 */
function agentView(summary: SecretSummary) {
  let status: 'set' | 'unset' | 'per-user' | 'error' =
    summary.source === 'unset' ? 'unset' : 'set';
  if (summary.scope === 'user') status = 'per-user';
  if (summary.error) status = 'error';
  const view = {
    name: summary.name,
    description: summary.description,
    registered: summary.registered,
    scope: summary.scope,
    status,
    source: summary.source,
    pinnedBy: summary.pinnedBy,
    readers: summary.readers,
    userValueCount: summary.userValueCount,
    entityValueCount: summary.entityValueCount,
    version: summary.version,
    updatedAt: summary.updatedAt,
    updatedBy: summary.updatedBy,
    lastUsedAt: summary.lastUsedAt,
    lastUsedBy: summary.lastUsedBy,
    checkable: summary.checkable,
    lastCheckedAt: summary.lastCheckedAt,
    lastCheckOk: summary.lastCheckOk,
    rotateEvery: summary.rotateEvery,
    rotateBy: summary.rotateBy,
    unused: summary.unused,
    error: summary.error,
  };
  // Absent rather than undefined: the output is JSON either way.
  return Object.fromEntries(
    Object.entries(view).filter(([, value]) => value !== undefined),
  ) as typeof view;
}

/** The zod the actions registry hands to an action's schema functions. */
type Zod = Parameters<
  Parameters<ActionsRegistryService['register']>[0]['schema']['output']
>[0];

/**
 * The schema of agentView's output, field by field in the same order.
 * description and every field after source are absent when the summary
 * has none.
 */
function agentViewSchema(z: Zod) {
  return z
    .object({
      name: z.string(),
      description: z.string().optional(),
      registered: z
        .boolean()
        .describe('false: stored, but no plugin registers it any more'),
      scope: z.enum(['shared', 'user', 'entity']),
      status: z
        .enum(['set', 'unset', 'per-user', 'error'])
        .describe('per-user: each user sets their own value; error: see error'),
      source: z.enum(['database', 'config', 'environment', 'unset']),
    })
    .merge(
      z
        .object({
          pinnedBy: z.string(),
          readers: z.array(z.string()),
          userValueCount: z.number(),
          entityValueCount: z.number(),
          version: z.number(),
          updatedAt: z.string(),
          updatedBy: z.string(),
          lastUsedAt: z.string(),
          lastUsedBy: z.string(),
          checkable: z
            .boolean()
            .describe('check-secret can check it with its provider'),
          lastCheckedAt: z.string(),
          lastCheckOk: z.boolean(),
          rotateEvery: z.string(),
          rotateBy: z.string(),
          unused: z.boolean(),
          error: z.string(),
        })
        .partial(),
    );
}

/**
 * Registers the secrets plugin's actions with Backstage's actions registry,
 * for AI agents (through the MCP actions backend) and other callers of the
 * registry's HTTP interface:
 *
 * - `list-secrets`: every secret's metadata and status; never values;
 * - `check-secret`: runs a secret's check (validate) on its current value.
 *
 * Who may call them (the registry's credentials model): the registry hands
 * each action the caller's credentials. A user, signed in directly or
 * through a plugin acting for them (the MCP backend calls on behalf of the
 * agent's user), needs manage-secrets, decided by the permission framework
 * as for the manage API. A service principal acts for no user: it is
 * refused unless its token's access restrictions name the manage-secrets
 * permission, i.e. an operator scoped an external access token
 * (`backend.auth.externalAccess`) to exactly this permission; a plugin's own
 * token, or an unrestricted static token, never passes. The actions are
 * also registered with manage-secrets as their visibility permission, so
 * the registry lists them only to callers that hold it.
 */
export function registerSecretsActions(options: {
  actionsRegistry: ActionsRegistryService;
  summaries: Pick<SecretSummaries, 'list'>;
  valueCheck: Pick<CurrentValueCheck, 'check'>;
  auth: AuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  config: Pick<
    SecretsConfig,
    'permissionFrameworkEnabled' | 'manageWithoutPermissionFramework'
  >;
}): void {
  const { actionsRegistry, summaries, valueCheck, auth, auditor } = options;
  const authorizeManage = createManageAuthorizer(options);

  /** The caller's identity for the audit event, once authorized. */
  async function authorize(credentials: BackstageCredentials): Promise<string> {
    if (auth.isPrincipal(credentials, 'user')) {
      await authorizeManage(credentials);
      return credentials.principal.userEntityRef;
    }
    if (auth.isPrincipal(credentials, 'service')) {
      const names = credentials.principal.accessRestrictions?.permissionNames;
      if (!names?.includes(manageSecretsPermission.name)) {
        throw new NotAllowedError(
          `The secrets actions need a user with the manage-secrets permission. A service token (${credentials.principal.subject}) is accepted only when its access restrictions name the ${manageSecretsPermission.name} permission.`,
        );
      }
      await authorizeManage(credentials);
      return credentials.principal.subject;
    }
    throw new NotAllowedError(
      'The secrets actions need a user with the manage-secrets permission.',
    );
  }

  /** Authorizes, runs and audits an action; refusals are audited too. */
  async function audited<T>(
    eventId: string,
    credentials: BackstageCredentials,
    meta: JsonObject,
    work: () => Promise<{ result: T; meta: JsonObject }>,
  ): Promise<T> {
    let actor: string | undefined;
    try {
      actor = await authorize(credentials);
    } catch (error) {
      const event = await auditor.createEvent({
        eventId,
        severityLevel: 'medium',
        meta: { ...meta, via: 'action' },
      });
      if (isError(error)) {
        await event.fail({ error, meta: { ...meta, denied: true } });
      }
      throw error;
    }
    const event = await auditor.createEvent({
      eventId,
      severityLevel: eventId === 'secret-check' ? 'medium' : 'low',
      meta: { ...meta, via: 'action', actor },
    });
    try {
      const { result, meta: successMeta } = await work();
      await event.success({ meta: successMeta });
      return result;
    } catch (error) {
      if (isError(error)) await event.fail({ error, meta });
      throw error;
    }
  }

  actionsRegistry.register({
    name: 'list-secrets',
    title: 'List secrets',
    description: `Lists the secrets that this Backstage installation's plugins need, with their status: whether a value is set (and where it comes from: the database, or pinned by app-config or an environment variable), who may read it (readers: backend plugin ids; absent = any backend plugin), whether it is per-user, when it was last changed and used, whether it can be checked with its provider and the outcome of the last check, and rotation dates. Never returns values. Requires the manage-secrets permission.`,
    visibilityPermission: manageSecretsPermission,
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z => z.object({}),
      output: z =>
        z.object({
          items: z.array(agentViewSchema(z)),
        }),
    },
    action: async ({ credentials }) =>
      audited('secrets-list', credentials, {}, async () => {
        const items = (await summaries.list()).map(agentView);
        return { result: { output: { items } }, meta: { count: items.length } };
      }),
  });

  actionsRegistry.register({
    name: 'check-secret',
    title: 'Check a secret',
    description: `Checks a secret's current value with its provider (e.g. calls the provider's "who am I" endpoint), using the check that the plugin registering the secret provides, and records the outcome. Returns ok, and the provider's message when the check failed; never the value. Only secrets that list-secrets marks checkable can be checked. Requires the manage-secrets permission.`,
    visibilityPermission: manageSecretsPermission,
    attributes: { readOnly: false, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          name: z
            .string()
            .describe('The name of the secret, e.g. OPENAI_API_KEY'),
        }),
      output: z =>
        z.object({
          ok: z.boolean(),
          message: z
            .string()
            .optional()
            .describe('why the check failed; never the value'),
          checkedAt: z.string(),
        }),
    },
    action: async ({ input, credentials }) => {
      const name = input.name.slice(0, 200);
      return audited('secret-check', credentials, { name }, async () => {
        const output = await valueCheck.check(
          parseInput(secretNameSchema, input.name, 'secret name'),
        );
        return { result: { output }, meta: { name, ok: output.ok } };
      });
    },
  });
}
