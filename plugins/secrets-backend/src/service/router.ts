import express, { Request, Response } from 'express';
import Router from 'express-promise-router';
import { createOpenApiRouter } from '../schema/openapi';
import type {
  AuditorService,
  AuditorServiceEvent,
  AuthService,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { isError } from '@backstage/errors';
import type { JsonObject } from '@backstage/types';
import {
  SECRET_NOT_REGISTERED_REASON,
  SECRET_REASON_HEADER,
  SECRET_VALUE_MAX_BYTES,
  ListSecretsResponse,
  ListSecretVersionsResponse,
  ListUserSecretsResponse,
  SecretValueResponse,
  CheckSecretResponse,
} from '@backstage-secrets/plugin-secrets-common';
import {
  SecretNotRegisteredError,
  type SecretsManager,
} from './SecretsManager';
import type { UserSecretsManager } from './UserSecretsManager';
import type { KeyRotation } from './KeyRotation';
import { accessOf, createAccessGate } from './access';
import { mapBodyParserErrors } from './errors';
import {
  clearQuerySchema,
  parseInput,
  pluginIdSchema,
  restoreBodySchema,
  secretNameSchema,
  setGrantBodySchema,
  setSecretBodySchema,
  versionParamSchema,
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

/** The path parameters as sent, bounded, for audit events of refused input. */
function auditMeta(req: Request): JsonObject {
  const meta: JsonObject = {};
  for (const [key, value] of Object.entries(req.params)) {
    meta[key] = String(value ?? '').slice(0, 200);
  }
  return meta;
}

/** The validated `:name`. */
function nameOf(req: Request): string {
  return parseInput(secretNameSchema, req.params.name, 'secret name');
}

/** The validated name and body of a PUT of a value. */
function setRequestOf(req: Request) {
  return {
    name: nameOf(req),
    ...parseInput(setSecretBodySchema, req.body, 'request body'),
  };
}

type Outcome = { meta: JsonObject; send: () => void };

/** A JSON answer, sent once the audit event is recorded. */
function json(res: Response, body: object, meta: JsonObject): Outcome {
  return { meta, send: () => res.json(body) };
}

/** The summary of a value just written, audited with its new version. */
function written(
  res: Response,
  summary: { name: string; version?: number },
): Outcome {
  return json(res, summary, {
    name: summary.name,
    version: summary.version ?? 0,
  });
}

/** A 204 for a clear, audited with whether there was a value. */
function cleared(
  res: Response,
  name: string,
  result: { existed: boolean },
): Outcome {
  return {
    meta: { name, existed: result.existed },
    send: () => res.status(204).end(),
  };
}

/**
 * Runs a route's work and records its audit event: success with the
 * metadata the work returns (then the answer is sent), or failure with the
 * error and `failMeta`; the error goes on to Backstage's error handler.
 */
async function audited(
  event: AuditorServiceEvent,
  failMeta: JsonObject | ((error: Error) => JsonObject),
  work: () => Promise<Outcome>,
): Promise<void> {
  let outcome: Outcome;
  try {
    outcome = await work();
  } catch (error) {
    if (isError(error)) {
      await event.fail({
        error,
        meta: typeof failMeta === 'function' ? failMeta(error) : failMeta,
      });
    }
    throw error;
  }
  await event.success({ meta: outcome.meta });
  outcome.send();
}

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { manager, userManager, rotation } = options;
  const outer = Router();

  // Who may call a route is decided before anything else (access.ts), and
  // a body is parsed only for callers let in. Both sit outside the OpenAPI
  // router: its error transformer would turn their 401/403/413 into 400s
  // quoting the body parser's message, which can hold part of a value.
  outer.use(createAccessGate(options));
  outer.use(express.json({ limit: BODY_LIMIT_BYTES }));

  // The routes are the ones src/schema/openapi.yaml declares (typed from
  // it, and served at /openapi.json). Requests are validated by the zod
  // schemas in validation.ts, whose messages say what to fix and which
  // also enforce what JSON Schema cannot (well-formed Unicode, byte size);
  // validation.test.ts proves the two agree on every request shape.
  // (Its own JSON parser finds the body parsed and leaves it.)
  const router = await createOpenApiRouter({
    validatorOptions: { validateRequests: false },
  });
  outer.use(router);

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
    await audited(event, auditMeta(req), async () => {
      const actor = credentials.principal.userEntityRef;
      const request = setRequestOf(req);
      const outcome = written(res, await manager.set({ ...request, actor }));
      // A save without the provider's check is worth finding in the log.
      if (request.skipValidation) outcome.meta.skipValidation = true;
      return outcome;
    });
  });

  /** Runs the definition's check on the current value ("Test" on the page). */
  router.post('/secrets/:name/check', async (req, res) => {
    const { event } = accessOf(res, 'manage');
    await audited(event, auditMeta(req), async () => {
      const name = nameOf(req);
      const body: CheckSecretResponse = await manager.check(name);
      // The outcome only: the provider's message stays out of the log.
      return json(res, body, { name, ok: body.ok });
    });
  });

  router.delete('/secrets/:name', async (req, res) => {
    const { credentials, event } = accessOf(res, 'manage');
    await audited(event, auditMeta(req), async () => {
      const name = nameOf(req);
      const { purge } = parseInput(clearQuerySchema, req.query, 'query');
      const actor = credentials.principal.userEntityRef;
      if (purge === 'true') {
        const result = await manager.purge(name, actor);
        return {
          meta: {
            name,
            existed: result.existed,
            purge: true,
            purgedVersions: result.versions,
          },
          send: () => res.status(204).end(),
        };
      }
      return cleared(res, name, await manager.clear(name, actor));
    });
  });

  /** Who wrote which version when; never a value. */
  router.get('/secrets/:name/versions', async (req, res) => {
    const { event } = accessOf(res, 'manage');
    await audited(event, auditMeta(req), async () => {
      const name = nameOf(req);
      const body: ListSecretVersionsResponse = {
        items: await manager.versions(name),
      };
      return json(res, body, { name, count: body.items.length });
    });
  });

  /** Writes a recorded version's value as a new version. */
  router.post('/secrets/:name/versions/:version/restore', async (req, res) => {
    const { credentials, event } = accessOf(res, 'manage');
    await audited(event, auditMeta(req), async () => {
      const name = nameOf(req);
      const version = parseInput(
        versionParamSchema,
        req.params.version,
        'version',
      );
      // A POST without a body is a restore without expectedVersion.
      const { expectedVersion } = parseInput(
        restoreBodySchema,
        req.body ?? {},
        'request body',
      );
      const summary = await manager.restore({
        name,
        version,
        expectedVersion,
        actor: credentials.principal.userEntityRef,
      });
      return json(res, summary, {
        name,
        version: summary.version ?? 0,
        restoredFrom: version,
      });
    });
  });

  /**
   * The plaintext, for backend plugins only (the secrets service): a shared
   * value for a plugin's own token, a user's value for a plugin acting on
   * that user's behalf.
   */
  router.get('/secrets/:name/value', async (req, res) => {
    const { caller, onBehalfOf, event } = accessOf(res, 'read');
    const who = { caller, ...(onBehalfOf ? { onBehalfOf } : {}) };
    const outcomeOf = (error: Error) => {
      if (error.name === 'NotFoundError') return 'not-found';
      return error.name === 'NotAllowedError' ? 'refused' : 'failed';
    };
    await audited(
      event,
      error => ({ ...auditMeta(req), ...who, outcome: outcomeOf(error) }),
      async () => {
        const name = nameOf(req);
        const { value, source } = onBehalfOf
          ? {
              value: await userManager.readValue({
                name,
                userRef: onBehalfOf,
                caller,
              }),
              source: 'user',
            }
          : await manager.readValue({ name, caller }).catch(error => {
              // A misspelled name must not read as "unset": the client
              // rejects on this reason.
              if (error instanceof SecretNotRegisteredError) {
                res.setHeader(
                  SECRET_REASON_HEADER,
                  SECRET_NOT_REGISTERED_REASON,
                );
              }
              throw error;
            });
        const body: SecretValueResponse = { value };
        return {
          meta: { name, ...who, outcome: 'read', source },
          send: () => {
            // Never cached by a proxy or the client's HTTP stack.
            res.setHeader('Cache-Control', 'no-store');
            res.json(body);
          },
        };
      },
    );
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
    await audited(event, auditMeta(req), async () => {
      return written(
        res,
        await userManager.set({ ...setRequestOf(req), userRef }),
      );
    });
  });

  router.delete('/user/secrets/:name', async (req, res) => {
    const { userRef, event } = accessOf(res, 'user');
    await audited(event, auditMeta(req), async () => {
      const name = nameOf(req);
      return cleared(res, name, await userManager.clear(name, userRef));
    });
  });

  router.put('/user/secrets/:name/grants/:pluginId', async (req, res) => {
    const { userRef, event } = accessOf(res, 'user');
    await audited(event, auditMeta(req), async () => {
      const name = nameOf(req);
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
      return json(res, summary, {
        name,
        pluginId,
        outcome: allowed ? 'allowed' : 'revoked',
      });
    });
  });

  outer.use(mapBodyParserErrors);
  return outer;
}
