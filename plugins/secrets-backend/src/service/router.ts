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
  SecretValueResponse,
} from '@backstage-secrets/plugin-secrets-common';
import type { SecretsManager } from './SecretsManager';
import type { KeyRotation } from './KeyRotation';
import { accessOf, createAccessGate } from './access';
import { mapBodyParserErrors } from './errors';
import {
  parseInput,
  secretNameSchema,
  setSecretBodySchema,
} from './validation';

export interface RouterOptions {
  manager: SecretsManager;
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
  const { manager, rotation } = options;
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

  /** The plaintext, for backend plugins only (the secrets service). */
  router.get('/secrets/:name/value', async (req, res) => {
    const { caller, event } = accessOf(res, 'read');
    try {
      const name = parseInput(secretNameSchema, req.params.name, 'secret name');
      const result = await manager.readValue({ name, caller });
      await event.success({
        meta: { name, caller, outcome: 'read', source: result.source },
      });
      const body: SecretValueResponse = { value: result.value };
      // Never cached by a proxy or the client's HTTP stack.
      res.setHeader('Cache-Control', 'no-store');
      res.json(body);
    } catch (error) {
      if (isError(error)) {
        await event.fail({
          error,
          meta: {
            name: auditName(req.params.name),
            caller,
            outcome: error.name === 'NotFoundError' ? 'not-found' : 'failed',
          },
        });
      }
      throw error;
    }
  });

  router.use(mapBodyParserErrors);
  return router;
}
