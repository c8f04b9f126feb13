import dns from 'node:dns';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import Ajv from 'ajv';
import fc from 'fast-check';
import { wrapServer } from '@backstage/backend-openapi-utils/testUtils';
import { mockErrorHandler, mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { manageSecretsPermission } from '@backstage-secrets/plugin-secrets-common';
import { SecretsConfig } from '../config';
import { SecretsRegistry } from '../registry';
import { createRouter, wireSecretsBackend } from '../service';
import { spec } from './openapi';
import {
  restoreBodySchema,
  setGrantBodySchema,
  setSecretBodySchema,
} from './requests';
import { createTestDatabases } from '../__testUtils__/databases';
import { CALLER_HEADERS } from '../__testUtils__/hostileHttp';
import {
  ADMIN,
  DEFAULT_DEFINITIONS,
  TEST_KEY,
} from '../__testUtils__/testBackend';

/*
 * src/schema/openapi.yaml is the contract. The router is generated from it
 * (src/schema/openapi/generated, checked fresh in CI), its handlers are
 * typed from it, and here every route is called through Backstage's OpenAPI
 * test proxy, which fails the suite when a request or a response does not
 * match the document. The zod schemas that validate requests (for their
 * messages, and for rules JSON Schema cannot state) are held to the same
 * document below.
 */

const databases = createTestDatabases();

// The test proxy forwards to `localhost`, which it looks up for IPv6 when
// the server listens on `::`; a machine without IPv6 answers ENOTFOUND (502
// from the proxy). Answer such lookups with IPv4's loopback.
const realLookup = dns.lookup;
jest.spyOn(dns, 'lookup').mockImplementation(((
  hostname: string,
  options: any,
  callback: any,
) => {
  const done = typeof options === 'function' ? options : callback;
  const opts = typeof options === 'function' ? {} : options ?? {};
  if (hostname === 'localhost') {
    if (opts.all) {
      return done(null, [{ address: '127.0.0.1', family: 4 }]);
    }
    return done(null, '127.0.0.1', 4);
  }
  return (realLookup as any)(hostname, opts, done);
}) as any);
const USER_SCOPED = 'PERSONAL_TOKEN';
const ENTITY_SCOPED = 'SENTRY_DSN';
const entity = (kind: string, name: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind,
  metadata: { name, namespace: 'default' },
  spec: {},
});
const CHECKED = 'CHECKED_TOKEN';
const { admin, nonAdmin, plugin, anonymous } = CALLER_HEADERS;

async function contractApp(databaseId: Parameters<typeof databases.init>[0]) {
  const knex = await databases.init(databaseId);
  const registry = new SecretsRegistry();
  registry.register('openapi.test.ts', [
    ...DEFAULT_DEFINITIONS,
    { name: USER_SCOPED, scope: 'user', readers: ['catalog'] },
    { name: ENTITY_SCOPED, scope: 'entity' },
    {
      name: CHECKED,
      validate: async value =>
        value === 'good'
          ? { ok: true }
          : { ok: false, message: 'the provider refused it' },
    },
  ]);
  registry.close();
  const config = new SecretsConfig(
    mockServices.rootConfig({
      data: {
        permission: { enabled: true },
        secrets: { encryption: { keys: [{ id: 'test', secret: TEST_KEY }] } },
      },
    }),
  );
  const secrets = await wireSecretsBackend({
    config,
    logger: mockServices.logger.mock(),
    database: mockServices.database({ knex }),
    lifecycle: mockServices.lifecycle.mock(),
    registry,
    env: {},
  });
  const router = await createRouter({
    ...secrets,
    httpAuth: mockServices.httpAuth({ pluginId: 'secrets' }),
    auth: mockServices.auth({ pluginId: 'secrets' }),
    permissions: mockServices.permissions.mock({
      authorize: async (requests, { credentials }) =>
        requests.map(() => ({
          result:
            (credentials.principal as { userEntityRef?: string })
              .userEntityRef === ADMIN
              ? AuthorizeResult.ALLOW
              : AuthorizeResult.DENY,
        })),
    }),
    auditor: mockServices.auditor.mock(),
    config,
    catalog: catalogServiceMock({
      entities: [entity('Component', 'payments'), entity('System', 'platform')],
    }),
  });
  return express().use(router).use(mockErrorHandler());
}

describe.each(databases.eachSupportedId())(
  'the OpenAPI contract on %p',
  databaseId => {
    it('every route answers as the document says, success and errors', async () => {
      const wrapped = await wrapServer(await contractApp(databaseId));
      // The proxy's own address (supertest 7 cannot take the wrapped server).
      const { address, port } = wrapped.address() as AddressInfo;
      const host = address.includes(':') ? `[${address}]` : address;
      const server = `http://${host}:${port}`;
      const call = (auth: string) => ({
        get: (path: string) =>
          request(server).get(path).set('Authorization', auth),
        put: (path: string, body: object) =>
          request(server).put(path).set('Authorization', auth).send(body),
        del: (path: string) =>
          request(server).delete(path).set('Authorization', auth),
        post: (path: string, body: object) =>
          request(server).post(path).set('Authorization', auth).send(body),
      });

      // Manage routes, as the admin.
      const asAdmin = call(admin);
      expect((await asAdmin.get('/secrets')).status).toBe(200);
      const set = await asAdmin.put('/secrets/OPENAI_API_KEY', {
        value: 'contract-value',
        expectedVersion: 0,
      });
      expect(set.status).toBe(200);
      expect(set.body.version).toBe(1);
      expect(
        (
          await asAdmin.put('/secrets/OPENAI_API_KEY', {
            value: 'x',
            expectedVersion: 0,
          })
        ).status,
      ).toBe(409);
      expect((await asAdmin.put('/secrets/OPENAI_API_KEY', {})).status).toBe(
        400,
      );
      expect(
        (await asAdmin.put('/secrets/NOT_REGISTERED', { value: 'x' })).status,
      ).toBe(404);
      expect(
        (await asAdmin.put(`/secrets/${USER_SCOPED}`, { value: 'x' })).status,
      ).toBe(409);
      const listed = await asAdmin.get('/secrets');
      expect(listed.body.items.length).toBeGreaterThan(3);
      expect((await asAdmin.get('/encryption')).status).toBe(200);

      // The value route, as a reader plugin and as a user.
      const value = await call(plugin).get('/secrets/OPENAI_API_KEY/value');
      expect(value.status).toBe(200);
      expect(value.body).toEqual({ value: 'contract-value' });
      expect((await asAdmin.get('/secrets/OPENAI_API_KEY/value')).status).toBe(
        403,
      );
      expect(
        (await call(plugin).get('/secrets/PAGERDUTY_TOKEN/value')).status,
      ).toBe(404);

      // Checks: a refused value (422), a save without the check, Test.
      expect(
        (await asAdmin.put(`/secrets/${CHECKED}`, { value: 'bad' })).status,
      ).toBe(422);
      expect(
        (
          await asAdmin.put(`/secrets/${CHECKED}`, {
            value: 'bad',
            skipValidation: true,
          })
        ).status,
      ).toBe(200);
      const checked = await request(server)
        .post(`/secrets/${CHECKED}/check`)
        .set('Authorization', admin);
      expect(checked.status).toBe(200);
      expect(checked.body).toMatchObject({
        ok: false,
        message: 'the provider refused it',
      });
      expect(
        (
          await request(server)
            .post('/secrets/OPENAI_API_KEY/check')
            .set('Authorization', admin)
        ).status,
      ).toBe(400);

      // History and restore.
      const versions = await asAdmin.get('/secrets/OPENAI_API_KEY/versions');
      expect(versions.status).toBe(200);
      expect(versions.body.items).toHaveLength(1);
      expect(
        (await asAdmin.get('/secrets/NOT_REGISTERED/versions')).status,
      ).toBe(404);
      // (The body may be left out, but the test proxy's request check
      // does not honour an optional body: an empty object stands for it.)
      const restore = (version: string, body: object = {}) =>
        asAdmin.post(
          `/secrets/OPENAI_API_KEY/versions/${version}/restore`,
          body,
        );
      const restored = await restore('1', { expectedVersion: 1 });
      expect(restored.status).toBe(200);
      expect(restored.body.version).toBe(2);
      expect((await restore('1')).status).toBe(200);
      expect((await restore('1', { expectedVersion: 1 })).status).toBe(409);
      expect((await restore('9')).status).toBe(404);
      expect((await restore('0')).status).toBe(400);
      expect((await restore('1', { expectedVersion: 'x' })).status).toBe(400);
      expect(
        (await asAdmin.get('/secrets/OPENAI_API_KEY/versions')).body.items[0],
      ).toMatchObject({ version: 3, restoredFrom: 1 });

      expect((await asAdmin.del('/secrets/OPENAI_API_KEY')).status).toBe(204);
      expect(
        (await asAdmin.del('/secrets/OPENAI_API_KEY?purge=maybe')).status,
      ).toBe(400);
      expect(
        (await asAdmin.del('/secrets/OPENAI_API_KEY?purge=true')).status,
      ).toBe(204);
      expect(
        (await asAdmin.get('/secrets/OPENAI_API_KEY/versions')).body,
      ).toEqual({ items: [] });

      // A user's own routes.
      const asUser = call(nonAdmin);
      expect((await asUser.get('/user/secrets')).status).toBe(200);
      expect(
        (await asUser.put(`/user/secrets/${USER_SCOPED}`, { value: 'mine' }))
          .status,
      ).toBe(200);
      expect(
        (
          await asUser.put(`/user/secrets/${USER_SCOPED}/grants/catalog`, {
            allowed: true,
          })
        ).status,
      ).toBe(200);
      expect((await asUser.del(`/user/secrets/${USER_SCOPED}`)).status).toBe(
        204,
      );

      // An entity's secrets (the admin may manage them here).
      const payments = '/entities/component/default/payments/secrets';
      const listedForEntity = await asAdmin.get(payments);
      expect(listedForEntity.status).toBe(200);
      expect(listedForEntity.body.items).toEqual([
        expect.objectContaining({ name: ENTITY_SCOPED, source: 'unset' }),
      ]);
      const entitySet = await asAdmin.put(`${payments}/${ENTITY_SCOPED}`, {
        value: 'https://key@sentry.example/1',
        expectedVersion: 0,
      });
      expect(entitySet.status).toBe(200);
      expect(entitySet.body).toMatchObject({ source: 'entity', version: 1 });
      expect(
        (
          await asAdmin.put(`${payments}/${ENTITY_SCOPED}`, {
            value: 'x',
            expectedVersion: 0,
          })
        ).status,
      ).toBe(409);
      expect(
        (
          await asAdmin.put(
            `/entities/system/default/platform/secrets/${ENTITY_SCOPED}`,
            { value: 'x' },
          )
        ).status,
      ).toBe(400);
      expect(
        (await asAdmin.get('/entities/component/default/nowhere/secrets'))
          .status,
      ).toBe(404);
      expect(
        (await asUser.put(`${payments}/${ENTITY_SCOPED}`, { value: 'x' }))
          .status,
      ).toBe(403);
      expect((await asUser.get(payments)).body.items[0].canManage).toBe(false);
      expect((await asAdmin.del(`${payments}/${ENTITY_SCOPED}`)).status).toBe(
        204,
      );

      // Refusals.
      expect((await asUser.get('/secrets')).status).toBe(403);
      expect((await call(anonymous).get('/secrets')).status).toBe(401);
    }, 60_000);

    it('serves the document at /openapi.json', async () => {
      const res = await request(await contractApp(databaseId))
        .get('/openapi.json')
        .set('Authorization', admin);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.paths).sort()).toEqual(
        Object.keys(spec.paths).sort(),
      );
    });
  },
);

describe('the zod request schemas and the document agree', () => {
  const ajv = new Ajv({ strict: false });
  const validateSet = ajv.compile(
    spec.components.schemas.SetValueRequest as object,
  );
  const validateGrant = ajv.compile(
    spec.paths['/user/secrets/{name}/grants/{pluginId}'].put.requestBody
      .content['application/json'].schema as object,
  );

  // Bodies of every shape: the known keys with values of any JSON type,
  // plus unknown keys.
  const jsonValue = fc.oneof(
    fc.string(),
    fc.integer({ min: -3, max: 3 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 2 }),
  );
  const bodyOf = (keys: string[]) =>
    fc.dictionary(fc.constantFrom(...keys, 'other'), jsonValue, {
      maxKeys: keys.length + 1,
    });

  it('PUT /secrets/{name} and PUT /user/secrets/{name}', () => {
    fc.assert(
      fc.property(
        bodyOf(['value', 'expectedVersion', 'skipValidation']),
        body => {
          // (zod also refuses lone surrogates, which JSON Schema cannot
          // express and these generated strings do not hold.) One documented
          // difference: an empty value passes zod and is refused by the value
          // rules with a message naming the secret (valueRules.ts), where
          // the document says minLength 1.
          const byZod = setSecretBodySchema.safeParse(body).success;
          const bySpec = validateSet(body);
          const emptyValue = byZod && body.value === '';
          expect(byZod).toBe(bySpec || emptyValue);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('PUT /user/secrets/{name}/grants/{pluginId}', () => {
    fc.assert(
      fc.property(bodyOf(['allowed']), body => {
        expect(setGrantBodySchema.safeParse(body).success).toBe(
          validateGrant(body),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('POST /secrets/{name}/versions/{version}/restore', () => {
    const validateRestore = ajv.compile(
      spec.components.schemas.RestoreSecretVersionRequest as object,
    );
    fc.assert(
      fc.property(bodyOf(['expectedVersion']), body => {
        expect(restoreBodySchema.safeParse(body).success).toBe(
          validateRestore(body),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('the manage permission named in the document is the one enforced', () => {
    expect(JSON.stringify(spec)).toContain('manage-secrets');
    expect(manageSecretsPermission.name).toBe('manage-secrets');
  });
});
