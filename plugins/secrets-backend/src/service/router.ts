import express, { Request } from 'express';
import Router from 'express-promise-router';
import type {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  AuthenticationError,
  InputError,
  NotAllowedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { isDatabaseUnavailable } from '../database/databaseErrors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  manageSecretsPermission,
  SECRET_NOT_REGISTERED_REASON,
  SECRET_REASON_HEADER,
  SECRET_VALUE_MAX_BYTES,
  ListSecretsResponse,
  SecretValueResponse,
} from '@backstage-secrets/plugin-secrets-common';
import {
  PayloadTooLargeError,
  SecretNotRegisteredError,
  SecretsManager,
} from './SecretsManager';
import type { KeyRotation } from './KeyRotation';
import {
  parseInput,
  secretNameSchema,
  setSecretBodySchema,
} from './validation';

export interface RouterOptions {
  manager: SecretsManager;
  rotation: KeyRotation;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  config: Config;
}

/**
 * JSON escaping can make a value up to six times longer on the wire; the
 * value's own size is checked after parsing (413 with a clear message).
 */
const BODY_LIMIT_BYTES = SECRET_VALUE_MAX_BYTES * 6 + 1024;

/**
 * The name as given in the URL, for audit events, bounded in length: it is
 * recorded before it is validated, so that refused attempts are audited too.
 */
function auditName(req: Request): string {
  return String(req.params.name ?? '').slice(0, 200);
}

interface ManageGate {
  kind: 'manage';
  eventId: string;
  severityLevel: 'low' | 'medium';
  name?: string;
}
interface ReadGate {
  kind: 'read';
  name: string;
}

/** The name segment as sent, decoded when possible, for audit events. */
function rawName(segment: string): string {
  let name = segment;
  try {
    name = decodeURIComponent(segment);
  } catch {
    // keep it as sent: a malformed escape is still worth auditing
  }
  return name.slice(0, 200);
}

/**
 * Which access check a request needs, from its method and raw path, the
 * way express will route it (case-insensitive, one optional trailing
 * slash). Unknown combinations get none here and end in a 404.
 */
function gateFor(
  method: string,
  path: string,
): ManageGate | ReadGate | undefined {
  const isGet = method === 'GET' || method === 'HEAD';
  const p = path.length > 1 ? path.replace(/\/$/, '') : path;
  if (isGet && /^\/secrets$/i.test(p)) {
    return { kind: 'manage', eventId: 'secrets-list', severityLevel: 'low' };
  }
  if (isGet && /^\/encryption$/i.test(p)) {
    return {
      kind: 'manage',
      eventId: 'encryption-status',
      severityLevel: 'low',
    };
  }
  const value = p.match(/^\/secrets\/([^/]+)\/value$/i);
  if (isGet && value) {
    return { kind: 'read', name: rawName(value[1]) };
  }
  const single = p.match(/^\/secrets\/([^/]+)$/i);
  if (single && (method === 'PUT' || method === 'DELETE')) {
    return {
      kind: 'manage',
      eventId: method === 'PUT' ? 'secret-set' : 'secret-clear',
      severityLevel: 'medium',
      name: rawName(single[1]),
    };
  }
  return undefined;
}

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { manager, rotation, httpAuth, permissions, auditor, config } = options;
  const permissionFrameworkEnabled =
    config.getOptionalBoolean('permission.enabled') === true;
  const allowWithoutPermissionFramework =
    config.getOptionalBoolean(
      'secrets.dangerouslyAllowManageWithoutPermissionFramework',
    ) === true;
  const allowExternalAccessToValues =
    config.getOptionalBoolean('secrets.allowExternalAccessToValues') === true;

  const router = Router();

  /**
   * Every manage route: a signed-in user holding manage-secrets. Backend
   * plugins have no business here, and neither has anyone when the
   * permission framework is off (fail closed).
   */
  async function requireManager(req: Request, gate: ManageGate) {
    const event = await auditor.createEvent({
      eventId: gate.eventId,
      severityLevel: gate.severityLevel,
      request: req,
      meta: gate.name === undefined ? {} : { name: gate.name },
    });
    try {
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      if (!permissionFrameworkEnabled) {
        if (!allowWithoutPermissionFramework) {
          throw new NotAllowedError(
            'The secrets manage API is disabled because the permission framework is not enabled (permission.enabled is not true). Enable it and grant manage-secrets through a policy, or set secrets.dangerouslyAllowManageWithoutPermissionFramework: true to let every signed-in user manage secrets.',
          );
        }
      } else {
        const [decision] = await permissions.authorize(
          [{ permission: manageSecretsPermission }],
          { credentials },
        );
        if (decision.result !== AuthorizeResult.ALLOW) {
          throw new NotAllowedError(
            'You need the manage-secrets permission to manage secrets.',
          );
        }
      }
      return { kind: 'manage' as const, credentials, event };
    } catch (error) {
      await event.fail({ error: error as Error, meta: { denied: true } });
      throw error;
    }
  }

  /** A backend plugin reading a value. */
  async function requireReader(req: Request, gate: ReadGate) {
    const event = await auditor.createEvent({
      eventId: 'secret-read',
      severityLevel: 'low',
      request: req,
      meta: { name: gate.name },
    });
    try {
      const reader = await readerOf(req);
      return { kind: 'read' as const, reader, event };
    } catch (error) {
      await event.fail({ error: error as Error, meta: { name: gate.name } });
      throw error;
    }
  }

  type Access =
    | Awaited<ReturnType<typeof requireManager>>
    | Awaited<ReturnType<typeof requireReader>>;

  /**
   * Who may call a route is decided first, from the raw method and path,
   * before the body is parsed or express decodes `:name`: a caller who may
   * not use a route gets 401/403 (and an audit event) whatever they send,
   * never a 400 or 413 that would tell them about input handling.
   */
  router.use(async (req, res, next) => {
    const gate = gateFor(req.method, req.path);
    if (gate) {
      res.locals.secretsAccess =
        gate.kind === 'read'
          ? await requireReader(req, gate)
          : await requireManager(req, gate);
    }
    next();
  });

  router.use(express.json({ limit: BODY_LIMIT_BYTES }));

  /** The access the gate granted; routes never run without one. */
  function accessOf<K extends Access['kind']>(
    res: express.Response,
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

  router.get('/secrets', async (_req, res) => {
    const { event } = accessOf(res, 'manage');
    const items = await manager.list();
    await event.success({ meta: { count: items.length } });
    const body: ListSecretsResponse = { items };
    res.json(body);
  });

  /** Keys in use and rotation progress: ids and row counts, no key material. */
  router.get('/encryption', async (_req, res) => {
    const { event } = accessOf(res, 'manage');
    const status = await rotation.status();
    await event.success();
    res.json(status);
  });

  router.put('/secrets/:name', async (req, res) => {
    const { credentials, event } = accessOf(res, 'manage');
    try {
      const name = parseInput(secretNameSchema, req.params.name, 'secret name');
      const body = parseInput(setSecretBodySchema, req.body, 'request body');
      const summary = await manager.set({
        name,
        value: body.value,
        expectedVersion: body.expectedVersion,
        actor: credentials.principal.userEntityRef,
      });
      await event.success({ meta: { name, version: summary.version ?? 0 } });
      res.json(summary);
    } catch (error) {
      await event.fail({
        error: error as Error,
        meta: { name: auditName(req) },
      });
      throw error;
    }
  });

  router.delete('/secrets/:name', async (req, res) => {
    const { event } = accessOf(res, 'manage');
    const name = auditName(req);
    try {
      parseInput(secretNameSchema, req.params.name, 'secret name');
      const { existed } = await manager.clear(name);
      await event.success({ meta: { name, existed } });
      res.status(204).end();
    } catch (error) {
      await event.fail({ error: error as Error, meta: { name } });
      throw error;
    }
  });

  /** The plaintext, for backend plugins only (the secrets service). */
  router.get('/secrets/:name/value', async (req, res) => {
    const { reader, event } = accessOf(res, 'read');
    const name = auditName(req);
    try {
      parseInput(secretNameSchema, req.params.name, 'secret name');
      const result = await manager.readValue({ name, ...reader });
      await event.success({ meta: { name, source: result.source } });
      const body: SecretValueResponse = { value: result.value };
      // Never cached by a proxy or the client's HTTP stack.
      res.setHeader('Cache-Control', 'no-store');
      res.json(body);
    } catch (error) {
      if (error instanceof SecretNotRegisteredError) {
        res.setHeader(SECRET_REASON_HEADER, SECRET_NOT_REGISTERED_REASON);
      }
      await event.fail({ error: error as Error, meta: { name } });
      throw error;
    }
  });

  /**
   * Who may read a value: a backend plugin, directly or on behalf of a user.
   * A user's own token, a static external token (unless the operator allows
   * it) and anonymous callers are refused.
   */
  async function readerOf(
    req: Request,
  ): Promise<{ caller: string; onBehalfOf?: string }> {
    let credentials: BackstageCredentials;
    try {
      credentials = await httpAuth.credentials(req, {
        allow: ['service', 'user'],
      });
    } catch (error) {
      if ((error as Error).name === 'AuthenticationError') throw error;
      throw new AuthenticationError(
        'Reading a secret value requires a backend plugin token.',
      );
    }
    const principal = credentials.principal as
      | { type: 'service'; subject: string }
      | { type: 'user'; userEntityRef: string; actor?: { subject: string } };
    if (principal.type === 'service') {
      if (principal.subject.startsWith('plugin:')) {
        return { caller: principal.subject };
      }
      if (allowExternalAccessToValues) {
        return { caller: principal.subject };
      }
      throw new NotAllowedError(
        'Secret values can only be read by backend plugins; external access tokens are refused unless secrets.allowExternalAccessToValues is true.',
      );
    }
    if (principal.actor?.subject.startsWith('plugin:')) {
      return {
        caller: principal.actor.subject,
        onBehalfOf: principal.userEntityRef,
      };
    }
    throw new NotAllowedError(
      'Secret values can only be read by backend plugins, never by users: use the secrets service (secretsServiceRef) from a backend plugin.',
    );
  }

  /**
   * Errors whose messages must not reach the caller as they are. Body
   * parser failures quote the offending input (a JSON SyntaxError
   * message includes part of the body, i.e. possibly a value): replace them
   * with messages that say what to fix and nothing of what was sent.
   */
  router.use(
    (
      error: Error & { type?: string },
      _req: Request,
      _res: express.Response,
      next: express.NextFunction,
    ) => {
      if (error.type === 'entity.parse.failed') {
        next(new InputError('The request body is not valid JSON.'));
      } else if (error.type === 'entity.too.large') {
        next(
          new PayloadTooLargeError(
            `The request body is too large; a secret value may be at most ${SECRET_VALUE_MAX_BYTES} bytes.`,
          ),
        );
      } else if (isDatabaseUnavailable(error)) {
        // Knex and driver messages quote SQL; say what happened instead.
        next(
          new ServiceUnavailableError(
            'The secrets database cannot be reached right now, so nothing was read or changed. Try again shortly.',
          ),
        );
      } else if (
        error.type?.startsWith('encoding.') ||
        error.type === 'charset.unsupported'
      ) {
        next(new InputError('The request body must be UTF-8 encoded JSON.'));
      } else {
        next(error);
      }
    },
  );

  return router;
}
