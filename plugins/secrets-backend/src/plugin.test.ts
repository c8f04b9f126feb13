import { SECRET_VALUE_MAX_BYTES } from '@backstage-secrets/plugin-secrets-common';
import {
  createBackendModule,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  SecretsExtensionPoint,
  secretsExtensionPoint,
  SecretsService,
  secretsServiceRef,
} from '@backstage-secrets/plugin-secrets-node';
import request from 'supertest';
import { createTestDatabases } from './__testUtils__/databases';
import { plantCanary } from './__testUtils__/canaries';
import { CALLER_HEADERS, CallerName } from './__testUtils__/hostileHttp';
import {
  ADMIN,
  NON_ADMIN,
  registeringModule,
  startSecretsBackend,
  TEST_KEY,
} from './__testUtils__/testBackend';

// Generous: the suite creates a database per test, and dropping them all
// after the file takes a while on a loaded machine.
jest.setTimeout(180_000);

const databases = createTestDatabases();

const CANARY = plantCanary('sk-canary-3f9d2a71e4');
plantCanary('json-canary-8c1e');
const JSON_CANARY = '{"private_key":"json-canary-8c1e"}';

describe.each(databases.eachSupportedId())(
  'secrets backend on %p',
  databaseId => {
    async function start(
      options: Parameters<typeof startSecretsBackend>[0] = {},
    ) {
      const knex = await databases.init(databaseId);
      const started = await startSecretsBackend({ knex, ...options });
      const responses: string[] = [];
      const call = async (
        caller: CallerName,
        method: 'get' | 'put' | 'delete' | 'head' | 'options',
        path: string,
        body?: unknown,
        contentType?: string,
      ) => {
        let req = request(started.server)[method](`/api/secrets${path}`);
        const header = CALLER_HEADERS[caller];
        if (header) req = req.set('Authorization', header);
        if (contentType) req = req.set('Content-Type', contentType);
        const res = await (body === undefined ? req : req.send(body as any));
        responses.push(res.text ?? '');
        return res;
      };
      return { ...started, knex, call, responses };
    }

    const setAs = (
      call: any,
      name: string,
      value: string,
      expectedVersion?: number,
    ) => call('admin', 'put', `/secrets/${name}`, { value, expectedVersion });

    describe('access beyond the permission matrix (permissionMatrix.test.ts)', () => {
      it('lets external static tokens read values only when the operator allows it', async () => {
        const { call } = await start({
          config: { secrets: { allowExternalAccessToValues: true } },
        });
        await setAs(call, 'OPENAI_API_KEY', CANARY);
        const res = await call(
          'external',
          'get',
          '/secrets/OPENAI_API_KEY/value',
        );
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ value: CANARY });
      });

      it('refuses the manage API when the permission framework is disabled, unless opted in', async () => {
        const closed = await start({
          config: { permission: { enabled: false } },
        });
        const refused = await closed.call('admin', 'get', '/secrets');
        expect(refused.status).toBe(403);
        expect(refused.body.error.message).toMatch(
          /permission framework is not enabled/,
        );

        const open = await start({
          config: {
            permission: { enabled: false },
            secrets: { dangerouslyAllowManageWithoutPermissionFramework: true },
          },
        });
        expect((await open.call('nonAdmin', 'get', '/secrets')).status).toBe(
          200,
        );
      });
    });

    describe('set, list, clear', () => {
      it('sets a value, lists metadata only, replaces with version checks, clears', async () => {
        const { call } = await start();
        const first = await setAs(call, 'OPENAI_API_KEY', CANARY, 0);
        expect(first.status).toBe(200);
        expect(first.body).toMatchObject({
          name: 'OPENAI_API_KEY',
          registered: true,
          source: 'database',
          version: 1,
          createdBy: ADMIN,
          updatedBy: ADMIN,
        });
        expect(first.body.createdAt).toMatch(
          /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
        );

        const list = await call('admin', 'get', '/secrets');
        expect(list.status).toBe(200);
        expect(
          list.body.items.map((i: any) => [i.name, i.source, i.version]),
        ).toEqual([
          ['OPENAI_API_KEY', 'database', 1],
          ['PAGERDUTY_TOKEN', 'unset', undefined],
          ['SERVICE_ACCOUNT_JSON', 'unset', undefined],
        ]);
        expect(list.body.items[0]).toMatchObject({
          description: 'Calls **OpenAI**',
          obtainUrl: 'https://platform.openai.com/api-keys',
          obtainLabel: 'Get an OpenAI API key',
          format: 'text',
        });
        expect(list.body.items[2].format).toBe('json');

        const second = await setAs(call, 'OPENAI_API_KEY', `${CANARY}-2`, 1);
        expect(second.body.version).toBe(2);
        const stale = await setAs(call, 'OPENAI_API_KEY', `${CANARY}-3`, 1);
        expect(stale.status).toBe(409);
        expect(stale.body.error.message).toMatch(
          /now at version 2, you expected version 1/,
        );

        const value = await call(
          'plugin',
          'get',
          '/secrets/OPENAI_API_KEY/value',
        );
        expect(value.body).toEqual({ value: `${CANARY}-2` });
        expect(value.headers['cache-control']).toBe('no-store');

        expect(
          (await call('admin', 'delete', '/secrets/OPENAI_API_KEY')).status,
        ).toBe(204);
        const gone = await call(
          'plugin',
          'get',
          '/secrets/OPENAI_API_KEY/value',
        );
        expect(gone.status).toBe(404);
        expect(gone.body.error.message).toMatch(/is not set.*Manage secrets/);
        // Set again after a clear: a new value (expected version 0, created
        // anew), but versions go on: (name, version) is never reused.
        const again = (await setAs(call, 'OPENAI_API_KEY', CANARY, 0)).body;
        expect(again).toMatchObject({ version: 3, createdBy: ADMIN });
      });

      it.each<[string, string, unknown, string | undefined, number, RegExp]>([
        [
          'an unregistered name',
          'NOT_REGISTERED',
          { value: CANARY },
          undefined,
          404,
          /not registered/,
        ],
        [
          'a bad name',
          'lower-case',
          { value: CANARY },
          undefined,
          400,
          /Invalid secret name/,
        ],
        [
          'a path traversal name',
          '..%2F..%2Fetc',
          { value: CANARY },
          undefined,
          400,
          /Invalid secret name/,
        ],
        [
          'an oversize value',
          'PAGERDUTY_TOKEN',
          { value: 'x'.repeat(SECRET_VALUE_MAX_BYTES + 1) },
          undefined,
          413,
          new RegExp(`limit is ${SECRET_VALUE_MAX_BYTES} bytes`),
        ],
        [
          'an invalid JSON body',
          'PAGERDUTY_TOKEN',
          `{"value": ${CANARY}`,
          'application/json',
          400,
          /not valid JSON/,
        ],
        [
          'a value that is not JSON for a json secret',
          'SERVICE_ACCOUNT_JSON',
          { value: CANARY },
          undefined,
          400,
          /must be valid JSON/,
        ],
        [
          'a missing value',
          'PAGERDUTY_TOKEN',
          { expectedVersion: 0 },
          undefined,
          400,
          /value: value is required/,
        ],
        [
          'a non-string value',
          'PAGERDUTY_TOKEN',
          { value: 42 },
          undefined,
          400,
          /value must be a string/,
        ],
        [
          'an empty value',
          'PAGERDUTY_TOKEN',
          { value: '' },
          undefined,
          400,
          /is empty/,
        ],
        [
          'an unknown key',
          'PAGERDUTY_TOKEN',
          { value: CANARY, __proto__x: 1 },
          undefined,
          400,
          /Unrecognized key/,
        ],
        [
          'a negative expected version',
          'PAGERDUTY_TOKEN',
          { value: CANARY, expectedVersion: -1 },
          undefined,
          400,
          /expectedVersion/,
        ],
        [
          'a text/plain body',
          'PAGERDUTY_TOKEN',
          CANARY,
          'text/plain',
          400,
          /Invalid request body/,
        ],
        [
          'a stale expected version on first set',
          'PAGERDUTY_TOKEN',
          { value: CANARY, expectedVersion: 3 },
          undefined,
          409,
          /cleared by someone else|expected version 3/,
        ],
      ])(
        'refuses %s with a clear error and changes nothing',
        async (_what, name, body, contentType, status, message) => {
          const { call, responses } = await start();
          const before = await call('admin', 'get', '/secrets');
          const res = await call(
            'admin',
            'put',
            `/secrets/${name}`,
            body,
            contentType,
          );
          expect(res.status).toBe(status);
          expect(res.body.error.message).toMatch(message);
          const after = await call('admin', 'get', '/secrets');
          expect(after.body).toEqual(before.body);
          expect(responses.join('\n')).not.toContain(CANARY);
        },
      );

      it('refuses a set of a pinned secret, naming where the value comes from', async () => {
        const { call } = await start({
          config: {
            secrets: { values: { OPENAI_API_KEY: 'pinned-by-config' } },
          },
        });
        const res = await setAs(call, 'OPENAI_API_KEY', CANARY);
        expect(res.status).toBe(409);
        expect(res.body.error.message).toMatch(
          /configuration key secrets\.values\.OPENAI_API_KEY/,
        );
        expect(res.body.error.message).not.toContain('pinned-by-config');
      });

      it('clears an orphan, and answers 404 for a name neither registered nor stored', async () => {
        const { call } = await start();
        expect(
          (await call('admin', 'delete', '/secrets/NEVER_HEARD_OF')).status,
        ).toBe(404);
        expect(
          (await call('admin', 'delete', '/secrets/PAGERDUTY_TOKEN')).status,
        ).toBe(204);
      });
    });

    describe('precedence and orphans', () => {
      afterEach(() => {
        delete process.env.BACKSTAGE_SECRETS_PAGERDUTY_TOKEN;
      });

      it('reads config, then environment, then database', async () => {
        const { call } = await start({
          config: { secrets: { values: { OPENAI_API_KEY: 'from-config' } } },
        });
        await setAs(call, 'PAGERDUTY_TOKEN', 'from-database');
        const read = async (name: string) =>
          (await call('plugin', 'get', `/secrets/${name}/value`)).body.value;

        expect(await read('PAGERDUTY_TOKEN')).toBe('from-database');
        process.env.BACKSTAGE_SECRETS_PAGERDUTY_TOKEN = '';
        expect(await read('PAGERDUTY_TOKEN')).toBe('from-database'); // empty = unset
        process.env.BACKSTAGE_SECRETS_PAGERDUTY_TOKEN = 'from-env';
        expect(await read('PAGERDUTY_TOKEN')).toBe('from-env');
        expect(await read('OPENAI_API_KEY')).toBe('from-config');

        const list = (await call('admin', 'get', '/secrets')).body.items;
        const byName = Object.fromEntries(list.map((i: any) => [i.name, i]));
        expect(byName.OPENAI_API_KEY).toMatchObject({
          source: 'config',
          pinnedBy: 'secrets.values.OPENAI_API_KEY',
        });
        expect(byName.PAGERDUTY_TOKEN).toMatchObject({
          source: 'environment',
          pinnedBy: 'BACKSTAGE_SECRETS_PAGERDUTY_TOKEN',
          version: 1,
        });
        expect(JSON.stringify(list)).not.toMatch(
          /from-config|from-env|from-database/,
        );
      });

      it('serves registered names only, even when pinned', async () => {
        const { call } = await start({
          config: { secrets: { values: { UNREGISTERED_PIN: 'x-pinned' } } },
        });
        const res = await call(
          'plugin',
          'get',
          '/secrets/UNREGISTERED_PIN/value',
        );
        expect(res.status).toBe(404);
        expect(res.body.error.message).toMatch(/not registered/);
      });

      it('lists a stored secret that is no longer registered as an orphan', async () => {
        const knex = await databases.init(databaseId);
        const first = await startSecretsBackend({
          knex,
          definitions: [{ name: 'OLD_SECRET' }, { name: 'KEPT_SECRET' }],
        });
        await request(first.server)
          .put('/api/secrets/secrets/OLD_SECRET')
          .set('Authorization', CALLER_HEADERS.admin)
          .send({ value: CANARY });
        await first.backend.stop();

        const second = await startSecretsBackend({
          knex,
          definitions: [{ name: 'KEPT_SECRET' }],
        });
        const list = await request(second.server)
          .get('/api/secrets/secrets')
          .set('Authorization', CALLER_HEADERS.admin);
        expect(list.body.items).toEqual([
          expect.objectContaining({
            name: 'KEPT_SECRET',
            registered: true,
            source: 'unset',
          }),
          expect.objectContaining({
            name: 'OLD_SECRET',
            registered: false,
            source: 'database',
            version: 1,
            updatedBy: ADMIN,
          }),
        ]);
        // An orphan cannot be set, nor read, but can be cleared.
        const put = await request(second.server)
          .put('/api/secrets/secrets/OLD_SECRET')
          .set('Authorization', CALLER_HEADERS.admin)
          .send({ value: 'x' });
        expect(put.status).toBe(404);
        const del = await request(second.server)
          .delete('/api/secrets/secrets/OLD_SECRET')
          .set('Authorization', CALLER_HEADERS.admin);
        expect(del.status).toBe(204);
        await second.backend.stop();
      });
    });

    describe('registration', () => {
      it('closes registration when the plugin starts', async () => {
        let captured: SecretsExtensionPoint | undefined;
        const capturing = createBackendModule({
          pluginId: 'secrets',
          moduleId: 'capturing',
          register(reg) {
            reg.registerInit({
              deps: { secrets: secretsExtensionPoint },
              async init({ secrets }) {
                captured = secrets;
              },
            });
          },
        });
        const { backend } = await start({ features: [capturing] });
        expect(() => captured!.registerSecrets({ name: 'TOO_LATE' })).toThrow(
          /can no longer be registered/,
        );
        await backend.stop();
      });

      it('keeps the first of two definitions with one name and warns naming both', async () => {
        const { call, logs } = await start({
          definitions: [{ name: 'SHARED_KEY', description: 'first' }],
          features: [
            registeringModule('second', [
              { name: 'SHARED_KEY', description: 'second' },
            ]),
          ],
        });
        const items = (await call('admin', 'get', '/secrets')).body.items;
        expect(items).toEqual([
          expect.objectContaining({ name: 'SHARED_KEY', description: 'first' }),
        ]);
        const warnings = logs.matching(/registered twice/);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(
          /keeping the definition from .*testBackend\.ts:\d+.*ignoring the one from .*testBackend\.ts:\d+/,
        );
      });

      it('refuses invalid definitions at start-up', async () => {
        await expect(
          start({ definitions: [{ name: 'bad name' }] }),
        ).rejects.toThrow(/Cannot register secret 'bad name'/);
      });
    });

    describe('start-up checks', () => {
      it('fails when a pin holds an encryption key', async () => {
        await expect(
          start({
            config: { secrets: { values: { OPENAI_API_KEY: TEST_KEY } } },
          }),
        ).rejects.toThrow(/holds one of the encryption keys/);
      });

      it('fails with a hint when no key is configured', async () => {
        await expect(
          start({ config: { secrets: { encryption: { keys: [] } } } }),
        ).rejects.toThrow(/No encryption key.*generate-key/);
      });

      it('fails naming the key id and row count when a key that still encrypts rows is removed', async () => {
        const knex = await databases.init(databaseId);
        const first = await startSecretsBackend({ knex });
        await request(first.server)
          .put('/api/secrets/secrets/OPENAI_API_KEY')
          .set('Authorization', CALLER_HEADERS.admin)
          .send({ value: CANARY });
        await first.backend.stop();
        await expect(
          startSecretsBackend({
            knex,
            config: {
              secrets: {
                encryption: {
                  keys: [{ id: 'other', secret: 'A'.repeat(43) }],
                },
              },
            },
          }),
        ).rejects.toThrow(/'test' \(1 row, 1 history row\)/);
      });
    });

    describe('tampering', () => {
      it('reports a row that fails authentication for that secret only, without crashing', async () => {
        const { call, knex } = await start();
        await setAs(call, 'OPENAI_API_KEY', CANARY);
        await setAs(call, 'PAGERDUTY_TOKEN', `${CANARY}-pd`);
        const pd = await knex('secrets')
          .where({ name: 'PAGERDUTY_TOKEN' })
          .first();
        await knex('secrets')
          .where({ name: 'OPENAI_API_KEY' })
          .update({ ciphertext: pd.ciphertext });

        const broken = await call(
          'plugin',
          'get',
          '/secrets/OPENAI_API_KEY/value',
        );
        expect(broken.status).toBe(500);
        expect(broken.body.error.message).toMatch(
          /OPENAI_API_KEY cannot be decrypted/,
        );
        expect(broken.text).not.toContain(CANARY);

        const fine = await call(
          'plugin',
          'get',
          '/secrets/PAGERDUTY_TOKEN/value',
        );
        expect(fine.body.value).toBe(`${CANARY}-pd`);

        const list = (await call('admin', 'get', '/secrets')).body.items;
        expect(
          list.find((i: any) => i.name === 'OPENAI_API_KEY').error,
        ).toMatch(/cannot be decrypted/);
        expect(
          list.find((i: any) => i.name === 'PAGERDUTY_TOKEN').error,
        ).toBeUndefined();
      });
    });

    it('refuses a token a plugin obtained on behalf of a user, and records no use', async () => {
      const { call } = await start();
      await setAs(call, 'OPENAI_API_KEY', CANARY);
      const refused = await call(
        'onBehalfOf',
        'get',
        '/secrets/OPENAI_API_KEY/value',
      );
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toMatch(/plugin's own credentials/);
      expect(refused.text).not.toContain(CANARY);
      const item = (await call('admin', 'get', '/secrets')).body.items.find(
        (i: any) => i.name === 'OPENAI_API_KEY',
      );
      expect(item.lastUsedBy).toBeUndefined();
    });

    describe('secrets stay secret', () => {
      it('never puts a canary value in a log line, audit event or user-facing response', async () => {
        const { call, logs, responses, knex } = await start();
        await setAs(call, 'OPENAI_API_KEY', CANARY);
        await setAs(call, 'SERVICE_ACCOUNT_JSON', JSON_CANARY);
        await setAs(call, 'OPENAI_API_KEY', CANARY, 99); // conflict
        await call('admin', 'put', '/secrets/SERVICE_ACCOUNT_JSON', {
          value: `not json ${CANARY}`,
        });
        await call(
          'admin',
          'put',
          '/secrets/PAGERDUTY_TOKEN',
          `{"value":"${CANARY}`,
          'application/json',
        );
        await call('admin', 'put', '/secrets/PAGERDUTY_TOKEN', {
          value: `${CANARY}${'y'.repeat(70000)}`,
        });
        await call('nonAdmin', 'put', '/secrets/PAGERDUTY_TOKEN', {
          value: CANARY,
        });
        await call('admin', 'put', '/secrets/NOT_REGISTERED', {
          value: CANARY,
        });
        await call('admin', 'get', '/secrets');
        await call('admin', 'get', '/secrets/OPENAI_API_KEY/value');
        await call('nonAdmin', 'get', '/secrets/OPENAI_API_KEY/value');

        // The plugin's own read is the one response allowed to hold the value.
        const pluginRead = await call(
          'plugin',
          'get',
          '/secrets/OPENAI_API_KEY/value',
        );
        expect(pluginRead.body.value).toBe(CANARY);
        responses.pop();

        const userFacing = responses.join('\n');
        expect(userFacing).toContain('OPENAI_API_KEY'); // the scan saw real responses
        expect(userFacing).not.toContain(CANARY);
        expect(userFacing).not.toContain('json-canary-8c1e');

        expect(
          logs.matching(/isAuditEvent|secret-set|secret-read/).length,
        ).toBeGreaterThan(5);
        expect(logs.text()).not.toContain(CANARY);
        expect(logs.text()).not.toContain('json-canary-8c1e');

        const rows = JSON.stringify(await knex('secrets').select());
        expect(rows).not.toContain(CANARY);
        expect(rows).not.toContain('json-canary-8c1e');
      });

      it('audits sets, clears, reads and denied attempts with name and actor', async () => {
        const { call, logs } = await start();
        await setAs(call, 'OPENAI_API_KEY', CANARY);
        await call('plugin', 'get', '/secrets/OPENAI_API_KEY/value');
        await call('nonAdmin', 'delete', '/secrets/OPENAI_API_KEY');
        await call('admin', 'delete', '/secrets/OPENAI_API_KEY');
        const events = logs
          .matching(/"isAuditEvent":true/)
          .map(line => JSON.parse(line))
          .filter(e => e.status !== 'initiated');
        const summary = events.map(e => [
          e.eventId,
          e.status,
          e.meta?.name,
          e.actor?.actorId,
          e.severityLevel,
        ]);
        expect(summary).toEqual(
          expect.arrayContaining([
            ['secret-set', 'succeeded', 'OPENAI_API_KEY', ADMIN, 'medium'],
            [
              'secret-read',
              'succeeded',
              'OPENAI_API_KEY',
              'plugin:catalog',
              'low',
            ],
            ['secret-clear', 'failed', 'OPENAI_API_KEY', NON_ADMIN, 'medium'],
            ['secret-clear', 'succeeded', 'OPENAI_API_KEY', ADMIN, 'medium'],
          ]),
        );
      });
    });

    describe('the secrets service client against a real backend', () => {
      it('reads values, explains unset ones, and records last use after a flush', async () => {
        const knex = await databases.init(databaseId);
        let service: SecretsService | undefined;
        const consumer = createBackendPlugin({
          pluginId: 'consumer',
          register(env) {
            env.registerInit({
              deps: { secrets: secretsServiceRef },
              async init({ secrets }) {
                service = secrets;
              },
            });
          },
        });
        const { backend, server } = await startSecretsBackend({
          knex,
          features: [consumer],
        });
        await request(server)
          .put('/api/secrets/secrets/OPENAI_API_KEY')
          .set('Authorization', CALLER_HEADERS.admin)
          .send({ value: CANARY });

        expect(await service!.getSecret('OPENAI_API_KEY')).toBe(CANARY);
        expect(await service!.requireSecret('OPENAI_API_KEY')).toBe(CANARY);
        expect(await service!.getSecret('PAGERDUTY_TOKEN')).toBeUndefined();
        await expect(
          service!.requireSecret('PAGERDUTY_TOKEN'),
        ).rejects.toMatchObject({
          name: 'NotFoundError',
          message: expect.stringMatching(
            /PAGERDUTY_TOKEN is not set.*Manage secrets/,
          ),
        });
        // A name no plugin declares is an error naming it, not "unset".
        await expect(
          service!.getSecret('NOT_REGISTERED'),
        ).rejects.toMatchObject({
          name: 'NotFoundError',
          message: expect.stringMatching(/NOT_REGISTERED is not registered/),
        });

        // Reads never wrote: nothing is flushed yet.
        const beforeFlush = await knex('secrets')
          .where({ name: 'OPENAI_API_KEY' })
          .first();
        expect(beforeFlush.last_used_at).toBeNull();
        // ...but the list already shows the in-memory record.
        const listed = await request(server)
          .get('/api/secrets/secrets')
          .set('Authorization', CALLER_HEADERS.admin);
        expect(
          listed.body.items.find((i: any) => i.name === 'OPENAI_API_KEY'),
        ).toMatchObject({
          lastUsedBy: 'plugin:consumer',
          lastUsedAt: expect.any(String),
        });

        await backend.stop(); // the shutdown hook flushes
        const afterFlush = await knex('secrets')
          .where({ name: 'OPENAI_API_KEY' })
          .first();
        expect(afterFlush.last_used_by).toBe('plugin:consumer');
        expect(afterFlush.last_used_at).toMatch(/Z$/);
      });
    });
  },
);
