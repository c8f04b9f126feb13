import type { Request, RequestHandler, Response } from 'express';
import type {
  AuditorService,
  AuthService,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { isError, NotAllowedError } from '@backstage/errors';
import {
  isValidSecretName,
  SECRET_SCOPE_HEADER,
} from '@backstage-secrets/plugin-secrets-common';
import type { SecretsConfig } from '../config';
import {
  type EntityAccess,
  grantAccess,
  type ManageAccess,
  type PluginAccess,
  type ReadAccess,
  type UserAccess,
} from './grantedAccess';
import { createManageAuthorizer } from './manageAuthorizer';
import type { ReaderPolicy } from './ReaderPolicy';
import { type ReadingPrincipal, readingPrincipalOf } from './readingPrincipal';
import { type RouteAccess, routeOf } from './routeTable';

/**
 * The access gate: decides who may call a route from the raw method and
 * path (routeTable.ts), before the body is parsed or express decodes
 * `:name`, so a caller who may not use a route gets 401/403 (and an audit
 * event) whatever they send, never a 400 or 413 that would tell them about
 * input handling. The route then finds the access granted with accessOf.
 */
export function createAccessGate(options: {
  httpAuth: HttpAuthService;
  auth: AuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  config: Pick<
    SecretsConfig,
    | 'permissionFrameworkEnabled'
    | 'manageWithoutPermissionFramework'
    | 'allowExternalAccessToValues'
  >;
  readers: Pick<ReaderPolicy, 'scopeOf' | 'assertMayRead'>;
}): RequestHandler {
  const { httpAuth, auth, auditor, config, readers } = options;
  const authorizeManage = createManageAuthorizer(options);
  const allowExternalAccessToValues = config.allowExternalAccessToValues();

  async function requireManager(
    req: Request,
    route: RouteAccess,
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
      const actor = credentials.principal.actor?.subject;
      if (route.ownSignInOnly && actor) {
        // A plugin that forwards an admin's requests (a scaffolder action,
        // a proxy, an agent's tools) must not become a way to change
        // secrets; the admin does that on the page.
        throw new NotAllowedError(
          `Secrets are changed with an admin's own sign-in, not by a plugin acting on their behalf (this token was issued to ${actor} for ${credentials.principal.userEntityRef}).`,
        );
      }
      await authorizeManage(credentials);
      return { kind: 'manage', credentials, event };
    } catch (error) {
      if (isError(error)) {
        await event.fail({ error, meta: { denied: true } });
      }
      throw error;
    }
  }

  async function requireReader(
    req: Request,
    res: Response,
    route: RouteAccess,
    name: string,
  ): Promise<ReadAccess> {
    // Whatever it answers, a value route's answer is never stored by a
    // proxy or the client's HTTP stack.
    res.setHeader('Cache-Control', 'no-store');
    // Invalid names have no scope and no readers; the route answers 400.
    const scope = isValidSecretName(name) ? readers.scopeOf(name) : undefined;
    if (scope === 'user' || scope === 'entity') {
      res.setHeader(SECRET_SCOPE_HEADER, scope);
    }
    let reader: ReadingPrincipal | undefined;
    try {
      reader = await readingPrincipalOf(req, scope, {
        httpAuth,
        auth,
        allowExternalAccessToValues,
      });
      if (scope !== undefined) readers.assertMayRead(name, reader.caller);
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
    route: RouteAccess,
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

  /**
   * An entity's secrets routes: a user's own token, not a plugin's on the
   * user's behalf (a plugin that forwards requests must not set or clear
   * an entity's values for its owner).
   */
  async function requireEntityUser(
    req: Request,
    route: RouteAccess,
    name: string | undefined,
    entity: string | undefined,
  ): Promise<EntityAccess> {
    const meta = {
      ...(name === undefined ? {} : { name }),
      ...(entity === undefined ? {} : { entityRef: entity }),
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
          `An entity's secrets are managed with a user's own sign-in, not by a plugin acting on their behalf (this token was issued to ${credentials.principal.actor.subject}).`,
        );
      }
      return {
        kind: 'entity',
        credentials,
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

  /** A backend plugin's own token; only a refusal is audited. */
  async function requirePlugin(
    req: Request,
    route: RouteAccess,
  ): Promise<PluginAccess> {
    try {
      const credentials = await httpAuth.credentials(req, {
        allow: ['service'],
      });
      const { subject } = credentials.principal;
      if (!subject.startsWith('plugin:')) {
        throw new NotAllowedError(
          'Only backend plugins, with their own tokens, may call this route.',
        );
      }
      return { kind: 'plugin', caller: subject };
    } catch (error) {
      const event = await auditor.createEvent({
        eventId: route.eventId,
        severityLevel: 'medium',
        request: req,
      });
      if (isError(error)) await event.fail({ error, meta: { denied: true } });
      throw error;
    }
  }

  return async (req, res, next) => {
    const found = routeOf(req.method, req.path);
    if (found) {
      const { route, name, pluginId, entity } = found;
      if (route.who === 'entity') {
        grantAccess(res, await requireEntityUser(req, route, name, entity));
      } else if (route.who === 'plugin') {
        grantAccess(res, await requirePlugin(req, route));
      } else if (route.who === 'reader') {
        grantAccess(res, await requireReader(req, res, route, name ?? ''));
      } else if (route.who === 'user') {
        grantAccess(res, await requireUser(req, route, name, pluginId));
      } else {
        grantAccess(res, await requireManager(req, route, name));
      }
    }
    next();
  };
}
