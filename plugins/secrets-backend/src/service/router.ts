import express from 'express';
import Router from 'express-promise-router';
import type {
  AuditorService,
  AuthService,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { isError } from '@backstage/errors';
import {
  SECRET_VALUE_MAX_BYTES,
  ListSecretsResponse,
  ListUserSecretsResponse,
  SecretValueResponse,
} from '@backstage-secrets/plugin-secrets-common';
import type { SecretsManager } from './SecretsManager';
import type { UserSecretsManager } from './UserSecretsManager';
import type { KeyRotation } from './KeyRotation';
import { accessOf, createAccessGate } from './access';
import { mapBodyParserErrors } from './errors';
import {
  parseInput,
  pluginIdSchema,
  secretNameSchema,
  setGrantBodySchema,
  setSecretBodySchema,
} from './validation';

export interface RouterOptions {
  manager: SecretsManager;
  userManager: UserSecretsManager;
  rotation: KeyRotation;
  httpAuth: HttpAuthService;
  auth: AuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  config: Config;
}

/**
 * JSON escaping can make a value up to six times longer on the wire; the
 * value's own size is checked after parsing (413 with a clear message).
 */
const BODY_LIMIT_BYTES = SECRET_VALUE_MAX_BYTES * 6 + 1024;

/** The name as given in the URL, bounded, for audit events of refused input. */
function auditName(name: unknown): string {
  return String(name ?? '').slice(0, 200);
}

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { manager, userManager, rotation } = options;
  const router = Router();

  // Who may call a route is decided before anything else (access.ts).
  router.use(createAccessGate(options));
  router.use(express.json({ limit: BODY_LIMIT_BYTES }));

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
      if (isError(error)) {
        await event.fail({ error, meta: { name: auditName(req.params.name) } });
      }
      throw error;
    }
  });

  router.delete('/secrets/:name', async (req, res) => {
    const { credentials, event } = accessOf(res, 'manage');
    try {
      const name = parseInput(secretNameSchema, req.params.name, 'secret name');
      const { existed } = await manager.clear(
        name,
        credentials.principal.userEntityRef,
      );
      await event.success({ meta: { name, existed } });
      res.status(204).end();
    } catch (error) {
      if (isError(error)) {
        await event.fail({ error, meta: { name: auditName(req.params.name) } });
      }
      throw error;
    }
  });

  /**
   * The plaintext, for backend plugins only (the secrets service): a shared
   * value for a plugin's own token, a user's value for a plugin acting on
   * that user's behalf.
   */
  router.get('/secrets/:name/value', async (req, res) => {
    const { caller, onBehalfOf, event } = accessOf(res, 'read');
    const meta = { caller, ...(onBehalfOf ? { onBehalfOf } : {}) };
    try {
      const name = parseInput(secretNameSchema, req.params.name, 'secret name');
      let value: string;
      let source: string;
      if (onBehalfOf) {
        value = await userManager.readValue({
          name,
          userRef: onBehalfOf,
          caller,
        });
        source = 'user';
      } else {
        ({ value, source } = await manager.readValue({ name, caller }));
      }
      await event.success({ meta: { name, ...meta, outcome: 'read', source } });
      const body: SecretValueResponse = { value };
      // Never cached by a proxy or the client's HTTP stack.
      res.setHeader('Cache-Control', 'no-store');
      res.json(body);
    } catch (error) {
      if (isError(error)) {
        let outcome = 'failed';
        if (error.name === 'NotFoundError') outcome = 'not-found';
        if (error.name === 'NotAllowedError') outcome = 'refused';
        await event.fail({
          error,
          meta: { name: auditName(req.params.name), ...meta, outcome },
        });
      }
      throw error;
    }
  });

  /** The signed-in user's own per-user secrets: metadata and grants only. */
  router.get('/user/secrets', async (_req, res) => {
    const { userRef, event } = accessOf(res, 'user');
    const items = await userManager.list(userRef);
    await event.success({ meta: { count: items.length } });
    const body: ListUserSecretsResponse = { items };
    res.json(body);
  });

  router.put('/user/secrets/:name', async (req, res) => {
    const { userRef, event } = accessOf(res, 'user');
    try {
      const name = parseInput(secretNameSchema, req.params.name, 'secret name');
      const body = parseInput(setSecretBodySchema, req.body, 'request body');
      const summary = await userManager.set({
        name,
        userRef,
        value: body.value,
        expectedVersion: body.expectedVersion,
      });
      await event.success({ meta: { name, version: summary.version ?? 0 } });
      res.json(summary);
    } catch (error) {
      if (isError(error)) {
        await event.fail({ error, meta: { name: auditName(req.params.name) } });
      }
      throw error;
    }
  });

  router.delete('/user/secrets/:name', async (req, res) => {
    const { userRef, event } = accessOf(res, 'user');
    try {
      const name = parseInput(secretNameSchema, req.params.name, 'secret name');
      const { existed } = await userManager.clear(name, userRef);
      await event.success({ meta: { name, existed } });
      res.status(204).end();
    } catch (error) {
      if (isError(error)) {
        await event.fail({ error, meta: { name: auditName(req.params.name) } });
      }
      throw error;
    }
  });

  router.put('/user/secrets/:name/grants/:pluginId', async (req, res) => {
    const { userRef, event } = accessOf(res, 'user');
    try {
      const name = parseInput(secretNameSchema, req.params.name, 'secret name');
      const pluginId = parseInput(
        pluginIdSchema,
        req.params.pluginId,
        'plugin id',
      );
      const { allowed } = parseInput(
        setGrantBodySchema,
        req.body,
        'request body',
      );
      const summary = await userManager.setGrant({
        name,
        userRef,
        pluginId,
        allowed,
      });
      await event.success({
        meta: { name, pluginId, outcome: allowed ? 'allowed' : 'revoked' },
      });
      res.json(summary);
    } catch (error) {
      if (isError(error)) {
        await event.fail({
          error,
          meta: {
            name: auditName(req.params.name),
            pluginId: auditName(req.params.pluginId),
          },
        });
      }
      throw error;
    }
  });

  router.use(mapBodyParserErrors);
  return router;
}
