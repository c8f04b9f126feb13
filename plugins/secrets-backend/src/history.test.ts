import request from 'supertest';
import { Keyring, SecretCipher } from './crypto';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { createTestDatabases } from './__testUtils__/databases';
import { plantCanary } from './__testUtils__/canaries';
import { CALLER_HEADERS, CallerName } from './__testUtils__/hostileHttp';
import {
  ADMIN,
  NON_ADMIN,
  startSecretsBackend,
  TEST_KEY,
} from './__testUtils__/testBackend';

/*
 * History and restore over HTTP, on every test database: bounded history,
 * restore as a new version (audited, through the write path of PUT), purge,
 * tampered history rows, and values never leaving the value route.
 */

jest.setTimeout(180_000);

const databases = createTestDatabases();

const NAME = 'OPENAI_API_KEY';
const FIRST = plantCanary('sk-history-canary-first-5b1e');
const SECOND = plantCanary('sk-history-canary-second-77a0');
const THIRD = plantCanary('sk-history-canary-third-0c42');

describe.each(databases.eachSupportedId())('history on %p', databaseId => {
  async function start(
    options: Parameters<typeof startSecretsBackend>[0] = {},
  ) {
    const knex = options.knex ?? (await databases.init(databaseId));
    const started = await startSecretsBackend({ ...options, knex });
    const responses: string[] = [];
    const call = async (
      caller: CallerName,
      method: 'get' | 'put' | 'delete' | 'post',
      path: string,
      body?: unknown,
    ) => {
      let req = request(started.server)[method](`/api/secrets${path}`);
      req = req.set('Authorization', CALLER_HEADERS[caller]);
      const res = await (body === undefined ? req : req.send(body as object));
      responses.push(res.text ?? '');
      return res;
    };
    const set = async (value: string, expectedVersion?: number) => {
      const res = await call('admin', 'put', `/secrets/${NAME}`, {
        value,
        expectedVersion,
      });
      expect(res.status).toBe(200);
      return res.body;
    };
    const read = async () =>
      (await call('plugin', 'get', `/secrets/${NAME}/value`)).body.value;
    const versions = async (name = NAME) =>
      call('admin', 'get', `/secrets/${name}/versions`);
    const restore = (version: number | string, body?: object) =>
      call(
        'admin',
        'post',
        `/secrets/${NAME}/versions/${version}/restore`,
        body,
      );
    const auditEvents = (eventId: string) =>
      started.logs
        .matching(/"isAuditEvent":true/)
        .map(line => JSON.parse(line))
        .filter(e => e.eventId === eventId && e.status !== 'initiated');
    /** The stored rows of NAME: the value's row and its history. */
    const rows = async () => ({
      value: await knex('secrets').where({ name: NAME }).first(),
      history: await knex('secret_versions')
        .where({ name: NAME })
        .orderBy('version'),
    });
    return {
      ...started,
      knex,
      call,
      set,
      read,
      versions,
      restore,
      auditEvents,
      rows,
      responses,
    };
  }

  it('keeps the last secrets.history.keep versions, newest first, metadata only', async () => {
    const { set, versions, knex } = await start({
      config: { secrets: { history: { keep: 3 } } },
    });
    for (let i = 1; i <= 5; i++) await set(`${FIRST}-${i}`);
    const res = await versions();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [5, 4, 3].map(version => ({
        version,
        createdAt: expect.any(String),
        createdBy: ADMIN,
      })),
    });
    expect(
      (await knex('secret_versions').where({ name: NAME })).map(r =>
        Number(r.version),
      ),
    ).toEqual(expect.arrayContaining([3, 4, 5]));
    expect(await knex('secret_versions').where({ name: NAME })).toHaveLength(3);
  });

  it('keeps 10 versions by default', async () => {
    const { set, versions } = await start();
    for (let i = 1; i <= 12; i++) await set(`${FIRST}-${i}`);
    const { items } = (await versions()).body;
    expect(items.map((item: { version: number }) => item.version)).toEqual([
      12, 11, 10, 9, 8, 7, 6, 5, 4, 3,
    ]);
  });

  it('restores a version as a new version, audited, answering the new summary', async () => {
    const { set, read, restore, versions, auditEvents } = await start();
    await set(FIRST);
    await set(SECOND);
    const res = await restore(1);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: NAME,
      source: 'database',
      version: 3,
      updatedBy: ADMIN,
    });
    expect(res.body).not.toHaveProperty('value');
    expect(await read()).toBe(FIRST);
    expect((await versions()).body.items).toEqual([
      {
        version: 3,
        createdAt: expect.any(String),
        createdBy: ADMIN,
        restoredFrom: 1,
      },
      { version: 2, createdAt: expect.any(String), createdBy: ADMIN },
      { version: 1, createdAt: expect.any(String), createdBy: ADMIN },
    ]);
    expect(auditEvents('secret-restore')).toEqual([
      expect.objectContaining({
        status: 'succeeded',
        severityLevel: 'medium',
        actor: expect.objectContaining({ actorId: ADMIN }),
        meta: { name: NAME, version: 3, restoredFrom: 1 },
      }),
    ]);
    // Restoring the restored version again is one more version.
    expect((await restore(3, { expectedVersion: 3 })).body.version).toBe(4);
    expect(await read()).toBe(FIRST);
  });

  it('refuses a restore against a stale expectedVersion and stores nothing', async () => {
    const { set, restore, rows, auditEvents } = await start();
    await set(FIRST);
    await set(SECOND);
    const before = await rows();
    const res = await restore(1, { expectedVersion: 1 });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/now at version 2/);
    expect(await rows()).toEqual(before);
    expect(auditEvents('secret-restore')).toEqual([
      expect.objectContaining({ status: 'failed' }),
    ]);
  });

  it('answers clearly for versions it cannot restore and stores nothing', async () => {
    const { set, restore, call, rows } = await start({
      config: { secrets: { history: { keep: 2 } } },
    });
    await set(FIRST);
    await set(SECOND);
    await set(THIRD);
    const before = await rows();
    const cases: Array<[string, number]> = [
      ['0', 400],
      ['-1', 400],
      ['01', 400],
      ['1.5', 400],
      ['1e3', 400],
      ['abc', 400],
      ['99999999999', 400],
      ['1', 404], // pruned: keep is 2
      ['7', 404], // never written
    ];
    for (const [version, status] of cases) {
      const res = await restore(version);
      expect({ version, status: res.status }).toEqual({ version, status });
      expect(res.body.error.message).not.toContain('sk-history');
    }
    const badBodies: unknown[] = [
      { expectedVersion: 'x' },
      { expectedVersion: -1 },
      { value: FIRST },
      [1],
    ];
    for (const body of badBodies) {
      expect((await restore(2, body as object)).status).toBe(400);
    }
    // A name nothing registers, and a malformed one.
    expect(
      (
        await call(
          'admin',
          'post',
          '/secrets/NOT_REGISTERED/versions/1/restore',
        )
      ).status,
    ).toBe(404);
    expect(
      (await call('admin', 'post', '/secrets/bad..name/versions/1/restore'))
        .status,
    ).toBe(400);
    expect(await rows()).toEqual(before);
  });

  it('refuses to restore a pinned or user-scoped secret, like a set', async () => {
    const first = await start();
    await first.set(FIRST);
    await first.backend.stop();
    const { call, rows } = await start({
      knex: first.knex,
      definitions: [
        { name: NAME },
        { name: 'PERSONAL_TOKEN', scope: 'user', readers: ['catalog'] },
      ],
      config: { secrets: { values: { [NAME]: 'pinned-by-config' } } },
    });
    const before = await rows();
    const pinned = await call(
      'admin',
      'post',
      `/secrets/${NAME}/versions/1/restore`,
    );
    expect(pinned.status).toBe(409);
    expect(pinned.body.error.message).toMatch(
      /pinned by the configuration key/,
    );
    const user = await call(
      'admin',
      'post',
      '/secrets/PERSONAL_TOKEN/versions/1/restore',
    );
    expect(user.status).toBe(409);
    expect(user.body.error.message).toMatch(/one value per user/);
    expect(await rows()).toEqual(before);
  });

  it('fails on a tampered history row like on a tampered value, and stores nothing', async () => {
    const { set, restore, read, rows, call, knex, logs } = await start();
    await set(FIRST);
    await set(SECOND);
    await set(THIRD);

    // Swapped ciphertexts: each is authentic, but for another version.
    const [v1, v2] = (await rows()).history;
    await knex('secret_versions')
      .where({ name: NAME, version: 1 })
      .update({ ciphertext: v2.ciphertext });
    await knex('secret_versions')
      .where({ name: NAME, version: 2 })
      .update({ ciphertext: v1.ciphertext });
    // A row moved to another version number.
    await knex('secret_versions').insert({ ...v1, version: 7 });
    const before = await rows();
    for (const version of [1, 2, 7]) {
      const res = await restore(version);
      expect({ version, status: res.status }).toEqual({ version, status: 500 });
      expect(res.body.error.name).toBe('SecretDecryptionError');
      expect(res.body.error.message).toMatch(/fails authentication/);
    }
    expect(await rows()).toEqual(before);
    expect(await read()).toBe(THIRD);

    // A row copied to another secret (whose row is a tombstone at that
    // version, so that only the associated data can tell).
    const v3 = before.history.find(row => Number(row.version) === 3);
    await knex('secret_versions').insert({ ...v3, name: 'PAGERDUTY_TOKEN' });
    await knex('secrets').insert({
      name: 'PAGERDUTY_TOKEN',
      ciphertext: null,
      key_id: null,
      version: 3,
      created_at: v3.created_at,
      created_by: ADMIN,
      updated_at: v3.created_at,
      updated_by: ADMIN,
    });
    const copied = await call(
      'admin',
      'post',
      '/secrets/PAGERDUTY_TOKEN/versions/3/restore',
    );
    expect(copied.status).toBe(500);
    expect(copied.body.error.name).toBe('SecretDecryptionError');
    const pd = await knex('secrets').where({ name: 'PAGERDUTY_TOKEN' }).first();
    expect({ ciphertext: pd.ciphertext, version: Number(pd.version) }).toEqual({
      ciphertext: null,
      version: 3,
    });
    expect(
      await knex('secret_versions').where({ name: 'PAGERDUTY_TOKEN' }),
    ).toHaveLength(1);
    expect(logs.matching(/fails authentication/).length).toBeGreaterThan(0);
  });

  it('keeps history when a value is cleared, so it can be restored', async () => {
    const { set, call, restore, read, versions, rows } = await start();
    await set(FIRST);
    await set(SECOND);
    expect((await call('admin', 'delete', `/secrets/${NAME}`)).status).toBe(
      204,
    );
    expect((await rows()).value.ciphertext).toBeNull();
    expect(
      (await versions()).body.items.map((i: { version: number }) => i.version),
    ).toEqual([2, 1]);
    // After a clear the current version is 0, as for a set.
    expect((await restore(1, { expectedVersion: 2 })).status).toBe(409);
    const res = await restore(1, { expectedVersion: 0 });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(3);
    expect(await read()).toBe(FIRST);
  });

  it('purges value and history, keeping the version counter, audited', async () => {
    const { set, call, versions, rows, read, auditEvents, knex } =
      await start();
    await set(FIRST);
    await set(SECOND);
    await knex('secret_versions').insert({
      ...(await rows()).history[0],
      name: 'SERVICE_ACCOUNT_JSON',
    });
    for (const query of [
      'purge=yes',
      'purge=',
      'purge=true&purge=true',
      'purg=true',
    ]) {
      const bad = await call('admin', 'delete', `/secrets/${NAME}?${query}`);
      expect({ query, status: bad.status }).toEqual({ query, status: 400 });
    }
    expect(await read()).toBe(SECOND);
    const res = await call('admin', 'delete', `/secrets/${NAME}?purge=true`);
    expect(res.status).toBe(204);
    expect(await rows()).toEqual({
      value: expect.objectContaining({ ciphertext: null, key_id: null }),
      history: [],
    });
    expect(Number((await rows()).value.version)).toBe(2);
    expect((await versions()).body).toEqual({ items: [] });
    // Other names keep their history.
    expect(
      await knex('secret_versions').where({ name: 'SERVICE_ACCOUNT_JSON' }),
    ).toHaveLength(1);
    expect(
      auditEvents('secret-clear').filter(e => e.status === 'succeeded'),
    ).toEqual([
      expect.objectContaining({
        meta: { name: NAME, existed: true, purge: true, purgedVersions: 2 },
      }),
    ]);
    // Versions go on counting: nothing purged can match a new version.
    expect((await set(THIRD)).version).toBe(3);
    // A purge without a value still removes the history.
    expect((await call('admin', 'delete', `/secrets/${NAME}`)).status).toBe(
      204,
    );
    expect(
      (await call('admin', 'delete', `/secrets/${NAME}?purge=true`)).status,
    ).toBe(204);
    expect((await rows()).history).toEqual([]);
  });

  it('lists versions only for registered or stored names', async () => {
    const { versions, call, knex } = await start();
    expect((await versions('PAGERDUTY_TOKEN')).body).toEqual({ items: [] });
    expect((await versions('NOT_REGISTERED')).status).toBe(404);
    expect((await versions('bad..name')).status).toBe(400);
    // An orphan (stored, no longer registered) has its history listed.
    await knex('secret_versions').insert({
      name: 'ORPHANED_KEY',
      version: 1,
      ciphertext: 'AAAA',
      key_id: 'test',
      created_at: new Date().toISOString(),
      created_by: ADMIN,
    });
    expect((await versions('ORPHANED_KEY')).body.items).toHaveLength(1);
    for (const caller of ['nonAdmin', 'plugin'] as const) {
      expect(
        (await call(caller, 'get', `/secrets/${NAME}/versions`)).status,
      ).toBe(403);
      expect(
        (await call(caller, 'post', `/secrets/${NAME}/versions/1/restore`))
          .status,
      ).toBe(403);
    }
  });

  it('never answers, logs or audits a value on these routes', async () => {
    const { set, call, restore, versions, responses, logs } = await start();
    await set(FIRST);
    await set(SECOND);
    await restore(1);
    await restore(1, { expectedVersion: 1 }); // 409
    await versions();
    await call('nonAdmin', 'get', `/secrets/${NAME}/versions`);
    await call('nonAdmin', 'post', `/secrets/${NAME}/versions/2/restore`);
    await call('admin', 'delete', `/secrets/${NAME}?purge=true`);
    const answered = responses.join('\n');
    expect(answered).toContain('restoredFrom'); // the scan saw real answers
    for (const canary of [FIRST, SECOND]) {
      expect(answered).not.toContain(canary);
      expect(logs.text()).not.toContain(canary);
    }
    expect(
      logs.matching(/secret-restore|secret-versions/).length,
    ).toBeGreaterThan(3);
  });
});

describe.each(databases.eachSupportedId())(
  'history start-up on %p',
  databaseId => {
    const directory = resolvePackagePath(
      '@backstage-secrets/plugin-secrets-backend',
      'migrations',
    );
    const tableName = 'secrets_knex_migrations';

    it('seeds the current version of values stored before history existed', async () => {
      const knex = await databases.init(databaseId);
      // The schema before history: every migration up to the user secrets.
      for (let i = 0; i < 3; i++) {
        await knex.migrate.up({ directory, tableName });
      }
      const cipher = new SecretCipher(
        Keyring.fromSecrets([{ id: 'test', secret: TEST_KEY }]),
      );
      const encrypted = cipher.encrypt(NAME, 4, FIRST);
      await knex('secrets').insert({
        name: NAME,
        ciphertext: encrypted.ciphertext,
        key_id: encrypted.keyId,
        version: 4,
        created_at: '2026-01-01T00:00:00.000Z',
        created_by: ADMIN,
        updated_at: '2026-02-01T00:00:00.000Z',
        updated_by: NON_ADMIN,
      });
      await knex('secrets').insert({
        name: 'PAGERDUTY_TOKEN',
        ciphertext: null,
        key_id: null,
        version: 2,
        created_at: '2026-01-01T00:00:00.000Z',
        created_by: ADMIN,
        updated_at: '2026-02-01T00:00:00.000Z',
        updated_by: ADMIN,
      });
      const { server } = await startSecretsBackend({ knex });
      const admin = (r: request.Test) =>
        r.set('Authorization', CALLER_HEADERS.admin);
      expect(
        (
          await admin(
            request(server).get(`/api/secrets/secrets/${NAME}/versions`),
          )
        ).body,
      ).toEqual({
        items: [
          {
            version: 4,
            createdAt: '2026-02-01T00:00:00.000Z',
            createdBy: NON_ADMIN,
          },
        ],
      });
      expect(await knex('secret_versions')).toHaveLength(1);
      await admin(
        request(server)
          .put(`/api/secrets/secrets/${NAME}`)
          .send({ value: SECOND }),
      ).expect(200);
      const restored = await admin(
        request(server).post(`/api/secrets/secrets/${NAME}/versions/4/restore`),
      );
      expect(restored.status).toBe(200);
      expect(restored.body.version).toBe(6);
      const value = await request(server)
        .get(`/api/secrets/secrets/${NAME}/value`)
        .set('Authorization', CALLER_HEADERS.plugin);
      expect(value.body.value).toBe(FIRST);
    });

    it.each([0, -1, 2.5, 'ten'])(
      'refuses secrets.history.keep = %p at start-up',
      async keep => {
        const knex = await databases.init(databaseId);
        await expect(
          startSecretsBackend({
            knex,
            config: { secrets: { history: { keep } } },
          }),
        ).rejects.toThrow(
          /secrets.history.keep must be a whole number of at least 1/,
        );
      },
    );

    it('refuses to start when history rows use a key that is not configured', async () => {
      const knex = await databases.init(databaseId);
      const first = await startSecretsBackend({ knex });
      await request(first.server)
        .put(`/api/secrets/secrets/${NAME}`)
        .set('Authorization', CALLER_HEADERS.admin)
        .send({ value: FIRST })
        .expect(200);
      await request(first.server)
        .put(`/api/secrets/secrets/${NAME}`)
        .set('Authorization', CALLER_HEADERS.admin)
        .send({ value: SECOND })
        .expect(200);
      await first.backend.stop();
      // The current value was re-encrypted under a new key; version 1 was not.
      await knex('secret_versions')
        .where({ version: 1 })
        .update({ key_id: 'retired' });
      await expect(startSecretsBackend({ knex })).rejects.toThrow(
        /'retired' \(1 history row\)/,
      );
    });
  },
);
