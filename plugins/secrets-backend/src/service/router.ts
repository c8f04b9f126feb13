import type { AllowAllProbe } from '../access';
import express from 'express';
import Router from 'express-promise-router';
import type {
  AuditorService,
  AuthService,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { SECRET_VALUE_MAX_BYTES } from '@backstage-secrets/plugin-secrets-common';
import { createAccessGate } from '../access';
import type { SecretsConfig } from '../config';
import { createOpenApiRouter } from '../schema';
import { mapBodyParserErrors } from './errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { addEntityRoutes } from './routes/entityRoutes';
import { addManageRoutes } from './routes/manageRoutes';
import { addUserRoutes } from './routes/userRoutes';
import { addValueRoute } from './routes/valueRoute';
import type { SecretsBackend } from './wireSecretsBackend';

export type RouterOptions = Pick<
  SecretsBackend,
  | 'readers'
  | 'summaries'
  | 'reads'
  | 'writes'
  | 'history'
  | 'valueCheck'
  | 'userSecrets'
  | 'entitySecrets'
  | 'reencryption'
  | 'watermark'
> & {
  /** whether the policy lets anyone manage secrets (shown on the page) */
  allowAll?: Pick<AllowAllProbe, 'everyoneMayManage'>;
  httpAuth: HttpAuthService;
  auth: AuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  config: SecretsConfig;
  /** the catalog, asked with the caller's credentials on the entity routes */
  catalog: Pick<CatalogService, 'getEntityByRef'>;
};

/**
 * JSON escaping can make a value up to six times longer on the wire; the
 * value's own size is checked after parsing (413 with a clear message).
 */
const BODY_LIMIT_BYTES = SECRET_VALUE_MAX_BYTES * 6 + 1024;

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const outer = Router();

  // Who may call a route is decided before anything else (access/), and
  // a body is parsed only for callers let in. Both sit outside the OpenAPI
  // router: its error transformer would turn their 401/403/413 into 400s
  // quoting the body parser's message, which can hold part of a value.
  outer.use(createAccessGate(options));
  outer.use(express.json({ limit: BODY_LIMIT_BYTES }));

  // The routes are the ones src/schema/openapi.yaml declares (typed from
  // it, and served at /openapi.json). Requests are validated by the zod
  // schemas in schema/requests.ts, whose messages say what to fix and which
  // also enforce what JSON Schema cannot (well-formed Unicode, byte size);
  // schema/openapi.test.ts proves the two agree on every request shape.
  // (Its own JSON parser finds the body parsed and leaves it.)
  const router = await createOpenApiRouter({
    validatorOptions: { validateRequests: false },
  });
  addManageRoutes(router, options);
  addValueRoute(router, options);
  addUserRoutes(router, options);
  addEntityRoutes(router, options);
  outer.use(router);

  outer.use(mapBodyParserErrors);
  return outer;
}
