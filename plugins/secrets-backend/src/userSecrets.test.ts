import request from 'supertest';
import type { Knex } from 'knex';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  SecretsService,
  secretsServiceRef,
} from '@backstage-secrets/plugin-secrets-node';
import { plantCanary } from './__testUtils__/canaries';
import { useFakeClock } from './__testUtils__/clock';
import { LogCapture } from './__testUtils__/capturingLogger';
import { createTestDatabases } from './__testUtils__/databases';
import { CALLER_HEADERS } from './__testUtils__/hostileHttp';
import {
  ADMIN,
  onBehalfOfAwareAuth,
  startSecretsBackend,
} from './__testUtils__/testBackend';
import { DatabaseUserSecretsStore } from './database';
import { deleteOrphanedUserSecrets } from './userSecrets';

/*
 * Per-user secrets ("bring your own"): each user sets their own value and
 * allows reader plugins to use it; a plugin reads it on behalf of that user
 * only. Nobody else — another user, an admin, a plugin on its own — can
 * read, set, clear, grant, list or infer a user's value or grants.
 */

jest.setTimeout(90_000);

const databases = createTestDatabases();
const ALICE_VALUE = plantCanary('sk-user-canary-alice-51c2');
const BOB_VALUE = plantCanary('sk-user-canary-bob-9e07');
const NAME = 'PERSONAL_OPENAI_KEY';
const BOB = 'user:default/bob';
const CAROL = 'user:default/carol';

const userHeader = (userRef: string) => mockCredentials.user.header(userRef);
/** A user token that plugin `pluginId` obtained on behalf of `userRef`. */
const onBehalfOf = (userRef: string, pluginId: string) =>
  `Bearer ${mockCredentials.user.token(userRef, {
    actor: { subject: `plugin:${pluginId}` },
  })}`;
const pluginHeader = (pluginId: string) =>
  mockCredentials.service.header({
    onBehalfOf: mockCredentials.service(`plugin:${pluginId}`),
    targetPluginId: 'secrets',
  });

describe.each(databases.eachSupportedId())(
  'per-user secrets on %p',
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
            scope: 'user',
            readers: ['consumer', 'other'],
            description: 'Your **own** OpenAI key, billed to you.',
          },
          { name: 'SHARED_KEY' },
        ],
        features: [consumer, onBehalfOfAwareAuth],
      });
      const api = (header: string) => ({
        list: () =>
          request(started.server)
            .get('/api/secrets/user/secrets')
            .set('Authorization', header),
        set: (value: string, name = NAME) =>
          request(started.server)
            .put(`/api/secrets/user/secrets/${name}`)
            .set('Authorization', header)
            .send({ value }),
        clear: (name = NAME) =>
          request(started.server)
            .delete(`/api/secrets/user/secrets/${name}`)
            .set('Authorization', header),
        grant: (pluginId: string, allowed: boolean, name = NAME) =>
          request(started.server)
            .put(`/api/secrets/user/secrets/${name}/grants/${pluginId}`)
            .set('Authorization', header)
            .send({ allowed }),
        read: (name = NAME) =>
          request(started.server)
            .get(`/api/secrets/secrets/${name}/value`)
            .set('Authorization', header),
      });
      return {
        ...started,
        knex,
        logs,
        api,
        reader: () => reader!,
      };
    }

    it('lets a user set, list, allow, revoke and clear their own value, never reading it back', async () => {
      const { api } = await start();
      const alice = api(CALLER_HEADERS.admin);
      const empty = await alice.list();
      expect(empty.status).toBe(200);
      expect(empty.body.items).toEqual([
        {
          name: NAME,
          description: 'Your **own** OpenAI key, billed to you.',
          format: 'text',
          set: false,
          grants: [
            { pluginId: 'consumer', allowed: false },
            { pluginId: 'other', allowed: false },
          ],
        },
      ]);
      const set = await alice.set(ALICE_VALUE);
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ name: NAME, set: true, version: 1 });
      expect(set.text).not.toContain(ALICE_VALUE);
      const granted = await alice.grant('consumer', true);
      expect(granted.body.grants).toEqual([
        { pluginId: 'consumer', allowed: true },
        { pluginId: 'other', allowed: false },
      ]);
      // The user never reads a value back, not even their own.
      const own = await alice.read();
      expect(own.status).toBe(403);
      expect(own.text).not.toContain(ALICE_VALUE);
      expect((await alice.grant('consumer', false)).body.grants[0]).toEqual({
        pluginId: 'consumer',
        allowed: false,
      });
      expect((await alice.clear()).status).toBe(204);
      expect((await alice.list()).body.items[0]).toMatchObject({
        set: false,
      });
      // Versions go on after a clear.
      expect((await alice.set(ALICE_VALUE)).body.version).toBe(2);
    });

    it('refuses bad input clearly: shared names, unknown plugins, bad bodies', async () => {
      const { api, server } = await start();
      const bob = api(userHeader(BOB));
      const shared = await bob.set('x', 'SHARED_KEY');
      expect(shared.status).toBe(404);
      expect(shared.body.error.message).toMatch(/not a per-user secret/);
      const stranger = await bob.grant('stranger', true);
      expect(stranger.status).toBe(400);
      expect(stranger.body.error.message).toMatch(
        /Plugin stranger is not a reader of PERSONAL_OPENAI_KEY/,
      );
      expect((await bob.set('')).status).toBe(400);
      const notBoolean = await request(server)
        .put(`/api/secrets/user/secrets/${NAME}/grants/consumer`)
        .set('Authorization', userHeader(BOB))
        .send({ allowed: 'yes' });
      expect(notBoolean.status).toBe(400);
      expect(notBoolean.body.error.message).toMatch(
        /allowed must be true or false/,
      );
    });

    it('reads a user\u2019s value only for an allowed reader plugin on that user\u2019s behalf', async () => {
      const { api } = await start();
      await api(userHeader(BOB)).set(BOB_VALUE);
      const asConsumer = api(onBehalfOf(BOB, 'consumer'));
      const notAllowed = await asConsumer.read();
      expect(notAllowed.status).toBe(403);
      expect(notAllowed.body.error.message).toBe(
        `${BOB} has not allowed plugin consumer to use their ${NAME}. They can allow it on their "My secrets" page (/settings/secrets).`,
      );
      await api(userHeader(BOB)).grant('consumer', true);
      expect((await asConsumer.read()).body).toEqual({ value: BOB_VALUE });
      // Another reader the user did not allow, a non-reader, the plugin's
      // own token and a plain user token: refused.
      expect((await api(onBehalfOf(BOB, 'other')).read()).status).toBe(403);
      expect((await api(onBehalfOf(BOB, 'stranger')).read()).status).toBe(403);
      const own = await api(pluginHeader('consumer')).read();
      expect(own.status).toBe(403);
      expect(own.headers['x-backstage-secrets-scope']).toBe('user');
      expect(own.text).not.toContain(BOB_VALUE);
      // Unset for a user: 404 telling them where to set it.
      await api(userHeader(CAROL)).grant('consumer', true);
      const unset = await api(onBehalfOf(CAROL, 'consumer')).read();
      expect(unset.status).toBe(404);
      expect(unset.body.error.message).toMatch(/\/settings\/secrets/);
      // Revoked: refused at once on the backend.
      await api(userHeader(BOB)).grant('consumer', false);
      expect((await asConsumer.read()).status).toBe(403);
    });

    it('never lets anyone else read, set, clear, grant, list or infer a user\u2019s value or grants', async () => {
      const { api, knex } = await start();
      await api(userHeader(BOB)).set(BOB_VALUE);
      await api(userHeader(BOB)).grant('consumer', true);
      const before = await snapshot(knex);
      const others: Array<[string, string]> = [
        ['another user', userHeader(CAROL)],
        ['an admin', CALLER_HEADERS.admin],
        ['a plugin on behalf of another user', onBehalfOf(CAROL, 'consumer')],
        ['a plugin on behalf of an admin', onBehalfOf(ADMIN, 'consumer')],
      ];
      for (const [who, header] of others) {
        const them = api(header);
        const listed = await them.list();
        const read = await them.read();
        const texts = [listed.text, read.text];
        expect({ who, read: read.status }).toEqual({
          who,
          // Users never read; plugins read for a user who allowed them.
          read: 403,
        });
        // Users see their own state only (nothing of Bob's); plugins acting
        // for a user may not even list.
        const ownView = who.startsWith('a plugin')
          ? { status: 403 }
          : {
              status: 200,
              first: {
                set: false,
                grants: [
                  { pluginId: 'consumer', allowed: false },
                  { pluginId: 'other', allowed: false },
                ],
              },
            };
        expect({
          status: listed.status,
          ...(listed.status === 200 ? { first: listed.body.items[0] } : {}),
        }).toMatchObject(ownView);
        expect(texts.join()).not.toContain(BOB_VALUE);
        expect(texts.join()).not.toContain(BOB);
      }
      // Plugins on a user's behalf cannot manage that user's values.
      const forwarded = api(onBehalfOf(BOB, 'consumer'));
      for (const res of [
        await forwarded.list(),
        await forwarded.set('replaced'),
        await forwarded.clear(),
        await forwarded.grant('other', true),
      ]) {
        expect(res.status).toBe(403);
      }
      // Admins cannot set or clear users' values through the manage API.
      const admin = await request((await start()).server)
        .put(`/api/secrets/secrets/${NAME}`)
        .set('Authorization', CALLER_HEADERS.admin)
        .send({ value: 'admin-value' });
      expect(admin.status).toBe(409);
      expect(await snapshot(knex)).toEqual(before);
      expect((await api(onBehalfOf(BOB, 'consumer')).read()).body.value).toBe(
        BOB_VALUE,
      );
    });

    it('refuses a ciphertext copied from one user\u2019s row to another\u2019s', async () => {
      const { api, knex } = await start();
      await api(userHeader(BOB)).set(BOB_VALUE);
      await api(userHeader(CAROL)).set('carols-own-value');
      await api(userHeader(CAROL)).grant('consumer', true);
      const bobs = await knex('user_secrets')
        .where({ name: NAME, user_ref: BOB })
        .first();
      await knex('user_secrets')
        .where({ name: NAME, user_ref: CAROL })
        .update({ ciphertext: bobs.ciphertext, version: bobs.version });
      const res = await api(onBehalfOf(CAROL, 'consumer')).read();
      expect(res.status).toBe(500);
      expect(res.text).not.toContain(BOB_VALUE);
    });

    it('shows admins how many users set a value, never whose, and refuses admin writes', async () => {
      const { api, server } = await start();
      await api(userHeader(BOB)).set(BOB_VALUE);
      await api(userHeader(CAROL)).set('carol');
      await api(userHeader(CAROL)).clear();
      const list = await request(server)
        .get('/api/secrets/secrets')
        .set('Authorization', CALLER_HEADERS.admin);
      const item = list.body.items.find((i: any) => i.name === NAME);
      expect(item).toEqual({
        name: NAME,
        registered: true,
        description: 'Your **own** OpenAI key, billed to you.',
        format: 'text',
        source: 'unset',
        readers: ['consumer', 'other'],
        scope: 'user',
        userValueCount: 1,
      });
      expect(list.text).not.toContain(BOB);
      const cleared = await request(server)
        .delete(`/api/secrets/secrets/${NAME}`)
        .set('Authorization', CALLER_HEADERS.admin);
      expect(cleared.status).toBe(409);
      expect(cleared.body.error.message).toMatch(/one value per user/);
    });

    it('the service client reads on behalf of the user, per user, and stops after a revoke', async () => {
      const { api, reader } = await start();
      await api(userHeader(BOB)).set(BOB_VALUE);
      await api(userHeader(BOB)).grant('consumer', true);
      await api(userHeader(CAROL)).set('carol-value');
      const bob = mockCredentials.user(BOB);
      const carol = mockCredentials.user(CAROL);
      expect(await reader().getSecret(NAME, { onBehalfOf: bob })).toBe(
        BOB_VALUE,
      );
      // Carol did not allow the plugin: her read is refused, and Bob's
      // cached value is never served for her.
      await expect(
        reader().getSecret(NAME, { onBehalfOf: carol }),
      ).rejects.toMatchObject({ name: 'NotAllowedError' });
      // Without a user, the plugin learns the secret is per user.
      await expect(reader().getSecret(NAME)).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: expect.stringMatching(/one value per user/),
      });
      await api(userHeader(BOB)).grant('consumer', false);
      // Within the client's freshness bound (500 ms), the revoke holds: on
      // the client's clock, not after a sleep (the change event may drop
      // the cached value even sooner).
      useFakeClock();
      try {
        jest.advanceTimersByTime(600);
        await expect(
          reader().getSecret(NAME, { onBehalfOf: bob }),
        ).rejects.toMatchObject({ name: 'NotAllowedError' });
      } finally {
        jest.useRealTimers();
      }
    });

    it('audits set, clear, grant, revoke and refused reads with the user, never the value', async () => {
      const { api, logs } = await start();
      await api(userHeader(BOB)).set(BOB_VALUE);
      await api(userHeader(BOB)).grant('consumer', true);
      await api(userHeader(BOB)).grant('consumer', false);
      await api(onBehalfOf(BOB, 'consumer')).read();
      await api(userHeader(BOB)).clear();
      const events = logs
        .matching(/"isAuditEvent":true/)
        .map(line => JSON.parse(line))
        .filter(e => e.status !== 'initiated' && e.eventId !== 'secrets-list')
        .map(e => [
          e.eventId,
          e.status,
          e.actor?.actorId,
          e.meta?.outcome ?? null,
        ]);
      expect(events).toEqual([
        ['user-secret-set', 'succeeded', BOB, null],
        ['user-secret-grant', 'succeeded', BOB, 'allowed'],
        ['user-secret-grant', 'succeeded', BOB, 'revoked'],
        ['secret-read', 'failed', BOB, 'refused'],
        ['user-secret-clear', 'succeeded', BOB, null],
      ]);
      expect(logs.text()).not.toContain(BOB_VALUE);
    });

    it('deletes the values of users missing from the catalog after the grace period, audited', async () => {
      const { api, knex, logs } = await start();
      await api(userHeader(BOB)).set(BOB_VALUE);
      await api(userHeader(CAROL)).set('carol-value');
      await api(CALLER_HEADERS.admin).grant('consumer', true);
      const store = new DatabaseUserSecretsStore(knex);
      const catalog = catalogServiceMock({
        entities: [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'User',
            metadata: { name: 'carol', namespace: 'default' },
            spec: {},
          },
        ],
      });
      const auditor = mockServices.auditor.mock();
      const run = (now: string) =>
        deleteOrphanedUserSecrets({
          store,
          catalog,
          auth: mockServices.auth(),
          auditor,
          logger: mockServices.logger.mock(),
          gracePeriodMs: 24 * 3600_000,
          now: new Date(now),
        });
      // Bob is missing (marked), the admin has grants only (deleted at once),
      // Carol is in the catalog.
      expect(await run('2026-12-01T00:00:00Z')).toEqual({
        deletedUsers: [ADMIN],
      });
      expect(await run('2026-12-01T23:00:00Z')).toEqual({ deletedUsers: [] });
      expect(await run('2026-12-02T01:00:00Z')).toEqual({
        deletedUsers: [BOB],
      });
      const left = await knex('user_secrets').select('user_ref');
      expect(left.map(row => row.user_ref)).toEqual([CAROL]);
      expect(auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({
          eventId: 'user-secrets-orphans-delete',
          meta: expect.objectContaining({ userRef: BOB }),
        }),
      );
      expect(logs.text()).not.toContain(BOB_VALUE);
    });
  },
);

async function snapshot(knex: Knex) {
  return {
    values: await knex('user_secrets').select().orderBy(['name', 'user_ref']),
    grants: await knex('user_secret_grants')
      .select()
      .orderBy(['name', 'user_ref', 'plugin_id']),
  };
}
