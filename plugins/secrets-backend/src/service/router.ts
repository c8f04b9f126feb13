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
  SECRET_VALUE_MAX_BYTES,
  ListSecretsResponse,
  SecretValueResponse,
} from '@backstage-secrets/plugin-secrets-common';
import { PayloadTooLargeError, SecretsManager } from './SecretsManager';
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
  router.use(express.json({ limit: BODY_LIMIT_BYTES }));

  /**
   * Every manage route: a signed-in user holding manage-secrets. Backend
   * plugins have no business here, and neither has anyone when the
   * permission framework is off (fail closed).
   */
  async function requireManager(
    req: Request,
    eventId: string,
    meta: Record<string, string> = {},
  ) {
    const event = await auditor.createEvent({
      eventId,
      severityLevel:
        eventId === 'secrets-list' || eventId === 'encryption-status'
          ? 'low'
          : 'medium',
      request: req,
      meta,
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
      return { credentials, event };
    } catch (error) {
      await event.fail({ error: error as Error, meta: { denied: true } });
      throw error;
    }
  }

  router.get('/secrets', async (req, res) => {
    const { event } = await requireManager(req, 'secrets-list');
    const items = await manager.list();
    await event.success({ meta: { count: items.length } });
    const body: ListSecretsResponse = { items };
    res.json(body);
  });

  /** Keys in use and rotation progress: ids and row counts, no key material. */
  router.get('/encryption', async (req, res) => {
    const { event } = await requireManager(req, 'encryption-status');
    const status = await rotation.status();
    await event.success();
    res.json(status);
  });

  router.put('/secrets/:name', async (req, res) => {
    const { credentials, event } = await requireManager(req, 'secret-set', {
      name: auditName(req),
    });
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
    const { event } = await requireManager(req, 'secret-clear', {
      name: auditName(req),
    });
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
    const name = auditName(req);
    const event = await auditor.createEvent({
      eventId: 'secret-read',
      severityLevel: 'low',
      request: req,
      meta: { name },
    });
    try {
      const caller = await readerOf(req);
      parseInput(secretNameSchema, req.params.name, 'secret name');
      const result = await manager.readValue({ name, ...caller });
      await event.success({ meta: { name, source: result.source } });
      const body: SecretValueResponse = { value: result.value };
      // Never cached by a proxy or the client's HTTP stack.
      res.setHeader('Cache-Control', 'no-store');
      res.json(body);
    } catch (error) {
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
