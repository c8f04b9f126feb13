/*
 * The REST API's contract: openapi.yaml (served at /openapi.json, the
 * router and its handler types generated from it), and the zod schemas that
 * validate requests with messages that say what to fix (openapi.test.ts
 * holds them to the document).
 */
export { createOpenApiRouter, spec } from './openapi';
export {
  clearQuerySchema,
  parseInput,
  pluginIdSchema,
  restoreBodySchema,
  secretNameSchema,
  setGrantBodySchema,
  setSecretBodySchema,
  versionParamSchema,
} from './requests';
