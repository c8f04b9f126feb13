import type { Request, RequestHandler, Response } from 'express';
import type {
  AuditorService,
  AuditorServiceEvent,
  AuthService,
  BackstageCredentials,
  BackstageUserPrincipal,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  AuthenticationError,
  isError,
  NotAllowedError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  isValidSecretName,
  manageSecretsPermission,
  SECRET_SCOPE_HEADER,
} from '@backstage-secrets/plugin-secrets-common';
import type { SecretsManager } from './SecretsManager';

/**
 * Who may call which route: one row per route. `manager`: a signed-in
 * user holding manage-secrets. `reader`: for a shared secret, a backend
 * plugin's own service token (an external token too, when the operator
 * allows it); for a user-scoped secret, a reader plugin's token on behalf
 * of the user; always among the secret's readers. `user`: any signed-in
 * user with their own token, for their own values.
 */
const ROUTES: ReadonlyArray<{
  method: 'GET' | 'PUT' | 'DELETE' | 'POST';
  /** matched against the raw path, as express routes (case-insensitive) */
  path: RegExp;
  who: 'manager' | 'reader' | 'user';
  eventId: string;
  severityLevel: 'low' | 'medium';
}> = [
  {
    method: 'GET',
    path: /^\/secrets$/i,
    who: 'manager',
    eventId: 'secrets-list',
    severityLevel: 'low',
  },
  {
    method: 'GET',
    path: /^\/encryption$/i,
    who: 'manager',
    eventId: 'encryption-status',
    severityLevel: 'low',
  },
  {
    method: 'PUT',
    path: /^\/secrets\/([^/]+)$/i,
    who: 'manager',
    eventId: 'secret-set',
    severityLevel: 'medium',
  },
  {
    method: 'DELETE',
    path: /^\/secrets\/([^/]+)$/i,
    who: 'manager',
    eventId: 'secret-clear',
    severityLevel: 'medium',
  },
  {
    // Runs the definition's check with the value: it reaches the provider.
    method: 'POST',
    path: /^\/secrets\/([^/]+)\/check$/i,
    who: 'manager',
    eventId: 'secret-check',
    severityLevel: 'medium',
  },
  {
    method: 'GET',
    path: /^\/secrets\/([^/]+)\/versions$/i,
    who: 'manager',
    eventId: 'secret-versions',
    severityLevel: 'low',
  },
  {
    method: 'POST',
    path: /^\/secrets\/([^/]+)\/versions\/([^/]+)\/restore$/i,
    who: 'manager',
    eventId: 'secret-restore',
    severityLevel: 'medium',
  },
  {
    method: 'GET',
    path: /^\/secrets\/([^/]+)\/value$/i,
    who: 'reader',
    eventId: 'secret-read',
    severityLevel: 'low',
  },
  {
    method: 'GET',
    path: /^\/user\/secrets$/i,
    who: 'user',
    eventId: 'user-secrets-list',
    severityLevel: 'low',
  },
  {
    method: 'PUT',
    path: /^\/user\/secrets\/([^/]+)$/i,
    who: 'user',
    eventId: 'user-secret-set',
    severityLevel: 'medium',
  },
  {
    method: 'DELETE',
    path: /^\/user\/secrets\/([^/]+)$/i,
    who: 'user',
    eventId: 'user-secret-clear',
    severityLevel: 'medium',
  },
  {
    method: 'PUT',
    path: /^\/user\/secrets\/([^/]+)\/grants\/([^/]+)$/i,
    who: 'user',
    eventId: 'user-secret-grant',
    severityLevel: 'medium',
  },
];

/** Access granted to a manage route. */
export interface ManageAccess {
  kind: 'manage';
  credentials: BackstageCredentials<BackstageUserPrincipal>;
  event: AuditorServiceEvent;
}

/** Access granted to the value route. */
export interface ReadAccess {
  kind: 'read';
  /** e.g. `plugin:catalog` */
  caller: string;
  /** for a user-scoped secret: the user the plugin reads for */
  onBehalfOf?: string;
  event: AuditorServiceEvent;
}

/** Access granted to a user's own routes. */
export interface UserAccess {
  kind: 'user';
  userRef: string;
  event: AuditorServiceEvent;
}

export type Access = ManageAccess | ReadAccess | UserAccess;

export const USER_TOKEN_REFUSED =
  "Secret values are read with the reading plugin's own credentials (its service token), never with a user's token, not even one a plugin obtained on behalf of a user. Read it through the secrets service (secretsServiceRef) in a backend plugin.";

/** The name segment as sent, decoded when possible, for audit events. */
function rawName(segment: string | undefined): string | undefined {
  if (segment === undefined) return undefined;
  let name = segment;
  try {
    name = decodeURIComponent(segment);
  } catch {
    // keep it as sent: a malformed escape is still worth auditing
  }
  return name.slice(0, 200);
}

/** The route of a request, the way express will route it (one optional trailing slash). */
function routeOf(method: string, path: string) {
  const verb = method === 'HEAD' ? 'GET' : method;
  const trimmed = path.length > 1 ? path.replace(/\/$/, '') : path;
  for (const route of ROUTES) {
    const match = route.method === verb && trimmed.match(route.path);
    if (match) {
      return { route, name: rawName(match[1]), pluginId: rawName(match[2]) };
    }
  }
  return undefined;
}

/**
 * The manage-secrets decision for credentials: the permission framework's
 * answer, or, when the framework is disabled, the operator's explicit
 * choice (fail closed otherwise). Used by the manage routes and by the
 * actions (actions.ts). Throws NotAllowedError when refused.
 */
export function createManageAuthorizer(options: {
  permissions: PermissionsService;
  config: Config;
}): (credentials: BackstageCredentials) => Promise<void> {
  const { permissions, config } = options;
  const permissionFrameworkEnabled =
    config.getOptionalBoolean('permission.enabled') === true;
  const allowWithoutPermissionFramework =
    config.getOptionalBoolean(
      'secrets.dangerouslyAllowManageWithoutPermissionFramework',
    ) === true;
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
 * The access gate: decides who may call a route from the raw method and
 * path, before the body is parsed or express decodes `:name`, so a caller
 * who may not use a route gets 401/403 (and an audit event) whatever they
 * send, never a 400 or 413 that would tell them about input handling.
 */
export function createAccessGate(options: {
  httpAuth: HttpAuthService;
  auth: AuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  config: Config;
  manager: SecretsManager;
}): RequestHandler {
  const { httpAuth, auth, auditor, config, manager } = options;
  const authorizeManage = createManageAuthorizer(options);
  const allowExternalAccessToValues =
    config.getOptionalBoolean('secrets.allowExternalAccessToValues') === true;

  async function requireManager(
    req: Request,
    route: (typeof ROUTES)[number],
    name: string | undefined,
  ): Promise<ManageAccess> {
    const event = await auditor.createEvent({
      eventId: route.eventId,
      severityLevel: route.severityLevel,
      request: req,
      meta: name === undefined ? {} : { name },
    });
    try {
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      await authorizeManage(credentials);
      return { kind: 'manage', credentials, event };
    } catch (error) {
      if (isError(error)) {
        await event.fail({ error, meta: { denied: true } });
      }
      throw error;
    }
  }

  /** The reading principal: a plugin's own token, or an allowed external one. */
  async function readerOf(
    req: Request,
    scope: 'shared' | 'user' | undefined,
  ): Promise<{ caller: string; onBehalfOf?: string }> {
    let credentials: BackstageCredentials;
    try {
      credentials = await httpAuth.credentials(req, {
        allow: ['service', 'user'],
      });
    } catch (error) {
      if (isError(error) && error.name === 'AuthenticationError') throw error;
      throw new AuthenticationError(
        'Reading a secret value requires a backend plugin token.',
      );
    }
    if (scope === 'user') {
      // A user's own value: only a plugin acting for that user reads it.
      const actor = auth.isPrincipal(credentials, 'user')
        ? credentials.principal.actor?.subject
        : undefined;
      if (
        actor?.startsWith('plugin:') &&
        auth.isPrincipal(credentials, 'user')
      ) {
        return {
          caller: actor,
          onBehalfOf: credentials.principal.userEntityRef,
        };
      }
      throw new NotAllowedError(
        auth.isPrincipal(credentials, 'user')
          ? "A user's own value is read only by a backend plugin acting on the user's behalf; users never read values back."
          : 'This secret holds one value per user: a plugin reads it on behalf of the user whose request it serves (getSecret(name, { onBehalfOf: credentials })).',
      );
    }
    if (!auth.isPrincipal(credentials, 'service')) {
      throw new NotAllowedError(USER_TOKEN_REFUSED);
    }
    const { subject, accessRestrictions } = credentials.principal;
    if (subject.startsWith('plugin:')) return { caller: subject };
    if (!allowExternalAccessToValues) {
      throw new NotAllowedError(
        'Secret values can only be read by backend plugins; external access tokens are refused unless secrets.allowExternalAccessToValues is true.',
      );
    }
    // Reading a value is no permission that a restriction could name: an
    // external token limited to certain permissions may not read values.
    if (
      accessRestrictions?.permissionNames ||
      accessRestrictions?.permissionAttributes
    ) {
      throw new NotAllowedError(
        "This external access token is restricted to certain permissions, which never include reading secret values; remove the token's permission restrictions (keep its plugin restriction to 'secrets') to let it read values.",
      );
    }
    return { caller: subject };
  }

  async function requireReader(
    req: Request,
    res: Response,
    route: (typeof ROUTES)[number],
    name: string,
  ): Promise<ReadAccess> {
    // Invalid names have no scope and no readers; the route answers 400.
    const scope = isValidSecretName(name) ? manager.scopeOf(name) : undefined;
    if (scope === 'user') res.setHeader(SECRET_SCOPE_HEADER, 'user');
    let reader: { caller: string; onBehalfOf?: string } | undefined;
    try {
      reader = await readerOf(req, scope);
      if (scope !== undefined) manager.assertMayRead(name, reader.caller);
    } catch (error) {
      const meta = {
        name,
        caller: reader?.caller ?? null,
        ...(reader?.onBehalfOf ? { onBehalfOf: reader.onBehalfOf } : {}),
        outcome: 'refused',
      };
      const event = await auditor.createEvent({
        eventId: route.eventId,
        severityLevel: 'medium',
        request: req,
        meta,
      });
      if (isError(error)) await event.fail({ error, meta });
      throw error;
    }
    const event = await auditor.createEvent({
      eventId: route.eventId,
      severityLevel: route.severityLevel,
      request: req,
      meta: {
        name,
        caller: reader.caller,
        ...(reader.onBehalfOf ? { onBehalfOf: reader.onBehalfOf } : {}),
      },
    });
    return { kind: 'read', ...reader, event };
  }

  /**
   * A user's own routes: the user's own token. Not a plugin's token on the
   * user's behalf: a plugin that forwards requests must not set, clear or
   * grant for the user.
   */
  async function requireUser(
    req: Request,
    route: (typeof ROUTES)[number],
    name: string | undefined,
    pluginId: string | undefined,
  ): Promise<UserAccess> {
    const meta = {
      ...(name === undefined ? {} : { name }),
      ...(pluginId === undefined ? {} : { pluginId }),
    };
    const event = await auditor.createEvent({
      eventId: route.eventId,
      severityLevel: route.severityLevel,
      request: req,
      meta,
    });
    try {
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      if (credentials.principal.actor) {
        throw new NotAllowedError(
          'Users manage their own secrets with their own sign-in, not through a plugin acting on their behalf.',
        );
      }
      return {
        kind: 'user',
        userRef: credentials.principal.userEntityRef,
        event,
      };
    } catch (error) {
      if (isError(error)) {
        await event.fail({ error, meta: { ...meta, denied: true } });
      }
      throw error;
    }
  }

  return async (req, res, next) => {
    const found = routeOf(req.method, req.path);
    if (found) {
      const { route, name, pluginId } = found;
      if (route.who === 'reader') {
        res.locals.secretsAccess = await requireReader(
          req,
          res,
          route,
          name ?? '',
        );
      } else if (route.who === 'user') {
        res.locals.secretsAccess = await requireUser(
          req,
          route,
          name,
          pluginId,
        );
      } else {
        res.locals.secretsAccess = await requireManager(req, route, name);
      }
    }
    next();
  };
}

/** The access the gate granted; a route never runs without one. */
export function accessOf<K extends Access['kind']>(
  res: Response,
  kind: K,
): Extract<Access, { kind: K }> {
  const access = res.locals.secretsAccess as Access | undefined;
  if (access?.kind !== kind) {
    // A path form the gate did not recognise reached a route: refuse
    // rather than serve it unchecked.
    throw new NotAllowedError('This request is not allowed.');
  }
  return access as Extract<Access, { kind: K }>;
}
