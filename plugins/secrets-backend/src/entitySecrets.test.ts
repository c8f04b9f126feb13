import request from 'supertest';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  SecretsService,
  secretsServiceRef,
} from '@backstage-secrets/plugin-secrets-node';
import { plantCanary } from './__testUtils__/canaries';
import { LogCapture } from './__testUtils__/capturingLogger';
import { createTestDatabases } from './__testUtils__/databases';
import { CALLER_HEADERS } from './__testUtils__/hostileHttp';
import {
  BOBS_COMPONENT,
  OTHER_COMPONENT,
  startSecretsBackend,
} from './__testUtils__/testBackend';

/*
 * Entity-owned secrets end to end, in a real backend with the catalog (a
 * catalogServiceMock of Bob's component and another team's): the owner
 * sets, a non-owner is refused naming the entity, a reader plugin gets the
 * entity's value through secretsServiceRef and falls back to the default
 * that an admin set with the ordinary PUT /secrets/:name; the admin list
 * counts entities; values never reach a response, log or audit event.
 */

jest.setTimeout(90_000);

const databases = createTestDatabases();
const BOBS_VALUE = plantCanary('https://canary-bob-7c1e@sentry.example/1');
const DEFAULT_VALUE = plantCanary(
  'https://canary-default-2a9f@sentry.example/2',
);
const NAME = 'SENTRY_DSN';
const BOB = CALLER_HEADERS.nonAdmin;
const ADMIN = CALLER_HEADERS.admin;
const path = (ref: string, name?: string) => {
  const [kind, rest] = ref.split(':');
  return `/api/secrets/entities/${kind}/${rest}/secrets${
    name ? `/${name}` : ''
  }`;
};

describe.each(databases.eachSupportedId())(
  'entity-owned secrets on %p',
  databaseId => {
    async function start() {
      const knex = await databases.init(databaseId);
      const logs = new LogCapture();
      let reader: SecretsService | undefined;
      const consumer = createBackendPlugin({
        pluginId: 'consumer',
        register(env) {
          env.registerInit({
            deps: { secrets: secretsServiceRef },
            async init({ secrets }) {
              reader = secrets;
            },
          });
        },
      });
      const started = await startSecretsBackend({
        knex,
        logs,
        definitions: [
          {
            name: NAME,
            scope: 'entity',
            readers: ['consumer'],
            description: 'The Sentry DSN of the component',
          },
        ],
        features: [consumer],
      });
      return { ...started, knex, logs, reader: () => reader! };
    }

    it('lets the owner set it, refuses a non-owner, and reads it for the entity', async () => {
      const { server, knex, logs, reader } = await start();
      const listed = await request(server)
        .get(path(BOBS_COMPONENT))
        .set('Authorization', BOB);
      expect(listed.status).toBe(200);
      expect(listed.body.items).toEqual([
        expect.objectContaining({
          name: NAME,
          entityRef: BOBS_COMPONENT,
          source: 'unset',
          canManage: true,
        }),
      ]);

      const set = await request(server)
        .put(path(BOBS_COMPONENT, NAME))
        .set('Authorization', BOB)
        .send({ value: BOBS_VALUE, expectedVersion: 0 });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({
        source: 'entity',
        version: 1,
        updatedBy: 'user:default/bob',
      });

      const refused = await request(server)
        .put(path(OTHER_COMPONENT, NAME))
        .set('Authorization', BOB)
        .send({ value: 'x' });
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toContain(OTHER_COMPONENT);
      expect(
        (
          await request(server)
            .get(path(OTHER_COMPONENT))
            .set('Authorization', BOB)
        ).body.items[0],
      ).toMatchObject({ source: 'unset', canManage: false });
      expect(
        (
          await request(server)
            .get(path('component:default/not-in-catalog'))
            .set('Authorization', BOB)
        ).status,
      ).toBe(404);

      // The reader plugin: the entity's value; no entity → refused.
      await expect(
        reader().getSecret(NAME, { entityRef: BOBS_COMPONENT }),
      ).resolves.toBe(BOBS_VALUE);
      await expect(reader().getSecret(NAME)).rejects.toThrow(
        /one value per catalog entity/,
      );
      await expect(
        reader().requireSecret(NAME, { entityRef: OTHER_COMPONENT }),
      ).rejects.toThrow(
        /not set for component:default\/other-service.*"Secrets" tab/,
      );

      // The default, set by an admin through the ordinary route.
      const admin = await request(server)
        .put(`/api/secrets/secrets/${NAME}`)
        .set('Authorization', ADMIN)
        .send({ value: DEFAULT_VALUE });
      expect(admin.status).toBe(200);
      expect(admin.body).toMatchObject({ scope: 'entity' });
      const other = await request(server)
        .get(`/api/secrets/secrets/${NAME}/value`)
        .query({ entityRef: OTHER_COMPONENT })
        .set(
          'Authorization',
          mockCredentials.service.header({
            onBehalfOf: mockCredentials.service('plugin:consumer'),
            targetPluginId: 'secrets',
          }),
        );
      expect(other.body).toEqual({ value: DEFAULT_VALUE });
      const adminList = await request(server)
        .get('/api/secrets/secrets')
        .set('Authorization', ADMIN);
      expect(adminList.body.items).toEqual([
        expect.objectContaining({
          name: NAME,
          scope: 'entity',
          entityValueCount: 1,
          entityKinds: ['Component'],
          source: 'database',
        }),
      ]);

      // A row copied to another entity does not decrypt.
      const row = await knex('entity_secrets')
        .where({ entity_ref: BOBS_COMPONENT })
        .first();
      await knex('entity_secrets').insert({
        ...row,
        entity_ref: OTHER_COMPONENT,
      });
      const copied = await request(server)
        .get(`/api/secrets/secrets/${NAME}/value`)
        .query({ entityRef: OTHER_COMPONENT })
        .set(
          'Authorization',
          mockCredentials.service.header({
            onBehalfOf: mockCredentials.service('plugin:consumer'),
            targetPluginId: 'secrets',
          }),
        );
      expect(copied.status).toBe(500);
      expect(copied.text).not.toContain(BOBS_VALUE);

      // Clearing falls back to the default.
      expect(
        (
          await request(server)
            .delete(path(BOBS_COMPONENT, NAME))
            .set('Authorization', BOB)
        ).status,
      ).toBe(204);
      expect(
        (
          await request(server)
            .get(path(BOBS_COMPONENT))
            .set('Authorization', BOB)
        ).body.items[0].source,
      ).toBe('default');

      // Audit events name the entity, never the value.
      const text = logs.text();
      expect(text).toMatch(
        /entity-secret-set[\s\S]*component:default\/bobs-service/,
      );
      expect(text).not.toContain(BOBS_VALUE);
      expect(text).not.toContain(DEFAULT_VALUE);
      expect(
        JSON.stringify(listed.body) + JSON.stringify(set.body),
      ).not.toContain(BOBS_VALUE);
    });

    it('applies the value rules and refuses bad input with a clear 4xx, storing nothing', async () => {
      const { server, knex } = await start();
      const put = (name: string, body: object) =>
        request(server)
          .put(path(BOBS_COMPONENT, name))
          .set('Authorization', BOB)
          .send(body);
      expect((await put('not-a-name', { value: 'x' })).status).toBe(400);
      expect((await put(NAME, { value: 'x', extra: 1 })).status).toBe(400);
      expect((await put(NAME, { value: '' })).status).toBe(400);
      const huge = await put(NAME, { value: 'x'.repeat(70_000) });
      expect(huge.status).toBe(413);
      expect(huge.text).not.toContain('x'.repeat(100));
      expect((await put('NOT_REGISTERED', { value: 'x' })).status).toBe(404);
      expect(
        Number((await knex('entity_secrets').count({ n: '*' }))[0].n),
      ).toBe(0);
    });
  },
);
