import type { internal } from '@backstage/backend-openapi-utils';
import type * as Wire from '@backstage-secrets/plugin-secrets-common';
import { spec } from './openapi';

/*
 * The wire types that -common exports (and the frontend and the node
 * client use) are checked here against src/schema/openapi.yaml, the one
 * contract: each must be exactly the type the document's schema describes,
 * so a field added, removed, renamed or retyped on either side without the
 * other fails `yarn tsc`. (The server's handlers are typed from the same
 * document by the generated router; validation.test.ts holds the zod
 * request schemas to it.)
 */

type Doc = typeof spec;
type Schemas = Doc['components']['schemas'];
/** The TypeScript type of a schema of the document, references resolved. */
type FromSpec<Name extends keyof Schemas> = internal.ToTypeSafe<
  internal.SchemaRef<Doc, Schemas[Name]>
>;

/** The body of a path's 200 answer. */
type OkBody<
  Path extends internal.DocPath<Doc>,
  Method extends internal.DocPathMethod<Doc, Path>,
> = internal.ResponseSchemas<Doc, Path, Method> extends { 200: infer Schema }
  ? internal.ToTypeSafe<Schema>
  : never;
/** The request body a path takes. */
type RequestBody<
  Path extends internal.DocPath<Doc>,
  Method extends internal.DocPathMethod<Doc, Path>,
> = internal.RequestBodyToJsonSchema<Doc, Path, Method>;

/** true when X and Y are the same type (not merely assignable). */
type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y
  ? 1
  : 2
  ? true
  : false;

/** Compiles only when every entry is `true`. */
function expectSameTypes<T extends Record<string, true>>(checks: T) {
  return Object.keys(checks);
}

describe('wire types of -common', () => {
  it('are exactly the schemas of openapi.yaml', () => {
    const checked = expectSameTypes({
      SecretSummary: true as Equal<
        Wire.SecretSummary,
        FromSpec<'SecretSummary'>
      >,
      UserSecretSummary: true as Equal<
        Wire.UserSecretSummary,
        FromSpec<'UserSecretSummary'>
      >,
      SecretVersion: true as Equal<
        Wire.SecretVersion,
        FromSpec<'SecretVersion'>
      >,
      ListSecretVersionsResponse: true as Equal<
        Wire.ListSecretVersionsResponse,
        FromSpec<'ListSecretVersionsResponse'>
      >,
      RestoreSecretVersionRequest: true as Equal<
        Wire.RestoreSecretVersionRequest,
        FromSpec<'RestoreSecretVersionRequest'>
      >,
      CheckSecretResponse: true as Equal<
        Wire.CheckSecretResponse,
        FromSpec<'CheckSecretResponse'>
      >,
      EncryptionStatus: true as Equal<
        Wire.EncryptionStatus,
        FromSpec<'EncryptionStatus'>
      >,
      SetSecretRequest: true as Equal<
        Wire.SetSecretRequest,
        FromSpec<'SetValueRequest'>
      >,
      ChangeWatermarkResponse: true as Equal<
        Wire.ChangeWatermarkResponse,
        FromSpec<'ChangeWatermarkResponse'>
      >,
      EntitySecretSummary: true as Equal<
        Wire.EntitySecretSummary,
        FromSpec<'EntitySecretSummary'>
      >,
    });
    // The bodies the document declares inline, by route.
    expectSameTypes({
      ListSecretsResponse: true as Equal<
        Wire.ListSecretsResponse,
        OkBody<'/secrets', 'get'>
      >,
      ListUserSecretsResponse: true as Equal<
        Wire.ListUserSecretsResponse,
        OkBody<'/user/secrets', 'get'>
      >,
      SecretValueResponse: true as Equal<
        Wire.SecretValueResponse,
        OkBody<'/secrets/{name}/value', 'get'>
      >,
      SetUserSecretGrantRequest: true as Equal<
        Wire.SetUserSecretGrantRequest,
        RequestBody<'/user/secrets/{name}/grants/{pluginId}', 'put'>
      >,
      UserSecretSetRequest: true as Equal<
        Wire.SetSecretRequest,
        RequestBody<'/user/secrets/{name}', 'put'>
      >,
      ListEntitySecretsResponse: true as Equal<
        Wire.ListEntitySecretsResponse,
        OkBody<'/entities/{kind}/{namespace}/{name}/secrets', 'get'>
      >,
      EntitySecretSetRequest: true as Equal<
        Wire.SetSecretRequest,
        RequestBody<
          '/entities/{kind}/{namespace}/{name}/secrets/{secretName}',
          'put'
        >
      >,
    });
    // Every component schema of the document is checked above, except the
    // error body, which is Backstage's own ErrorResponseBody.
    expect([...checked, 'Error'].sort()).toEqual(
      Object.keys(spec.components.schemas)
        .map(name => (name === 'SetValueRequest' ? 'SetSecretRequest' : name))
        .sort(),
    );
  });
});
