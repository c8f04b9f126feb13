import {
  generateEncryptionKey,
  Keyring,
  SecretCipher,
  SecretDecryptionError,
} from '../crypto';
import { createTestDatabases } from '../__testUtils__/databases';
import { DatabaseSecretsStore } from './DatabaseSecretsStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const CANARY = 'canary-store-5b1e';

describe.each(databases.eachSupportedId())(
  'DatabaseSecretsStore on %p',
  databaseId => {
    async function setup() {
      const knex = await databases.init(databaseId);
      await DatabaseSecretsStore.migrate(knex);
      const cipher = new SecretCipher(
        Keyring.fromSecrets([{ id: 'k1', secret: generateEncryptionKey() }]),
      );
      return { knex, store: new DatabaseSecretsStore(knex), cipher };
    }

    it('stores ciphertext only, and round-trips through the cipher', async () => {
      const { knex, store, cipher } = await setup();
      const result = await store.compareAndSet({
        name: 'MY_SECRET',
        previous: undefined,
        version: 1,
        encrypted: cipher.encrypt('MY_SECRET', 1, CANARY),
        actor: 'user:default/alice',
        now: '2026-11-23T10:00:00.000Z',
      });
      expect(result).toMatchObject({ ok: true, row: { version: 1 } });

      const raw = await knex('secrets').select();
      expect(JSON.stringify(raw)).not.toContain(CANARY);

      const stored = await store.get('MY_SECRET');
      expect(stored).toMatchObject({
        name: 'MY_SECRET',
        keyId: 'k1',
        version: 1,
        createdAt: '2026-11-23T10:00:00.000Z',
        createdBy: 'user:default/alice',
        updatedBy: 'user:default/alice',
      });
      expect(cipher.decrypt('MY_SECRET', stored!.version, stored!)).toBe(
        CANARY,
      );
    });

    it('increments the version on each set and refuses a stale compare-and-set', async () => {
      const { store, cipher } = await setup();
      const first = await store.compareAndSet({
        name: 'S',
        previous: undefined,
        version: 1,
        encrypted: cipher.encrypt('S', 1, 'one'),
        actor: 'user:default/alice',
        now: '2026-11-23T10:00:00.000Z',
      });
      const v1 = await store.getVersion('S');
      const second = await store.compareAndSet({
        name: 'S',
        previous: v1,
        version: 2,
        encrypted: cipher.encrypt('S', 2, 'two'),
        actor: 'user:default/bob',
        now: '2026-11-23T11:00:00.000Z',
      });
      expect(first.ok && second.ok).toBe(true);
      const v2 = await store.get('S');
      expect(v2).toMatchObject({
        version: 2,
        createdBy: 'user:default/alice',
        updatedBy: 'user:default/bob',
        updatedAt: '2026-11-23T11:00:00.000Z',
      });

      // A writer that still holds v1 loses, and learns the current version.
      const stale = await store.compareAndSet({
        name: 'S',
        previous: v1,
        version: 2,
        encrypted: cipher.encrypt('S', 2, 'stale'),
        actor: 'user:default/carol',
        now: '2026-11-23T12:00:00.000Z',
      });
      expect(stale).toEqual({ ok: false, currentVersion: 2 });
      // A second "first insert" loses too.
      const duplicateInsert = await store.compareAndSet({
        name: 'S',
        previous: undefined,
        version: 1,
        encrypted: cipher.encrypt('S', 1, 'dup'),
        actor: 'user:default/carol',
        now: '2026-11-23T12:00:00.000Z',
      });
      expect(duplicateInsert).toEqual({ ok: false, currentVersion: 2 });
      const after = await store.get('S');
      expect(cipher.decrypt('S', after!.version, after!)).toBe('two');
    });

    it('refuses a ciphertext copied to another row', async () => {
      const { knex, store, cipher } = await setup();
      for (const name of ['A_SECRET', 'B_SECRET']) {
        await store.compareAndSet({
          name,
          previous: undefined,
          version: 1,
          encrypted: cipher.encrypt(name, 1, `${CANARY}-${name}`),
          actor: 'user:default/alice',
          now: new Date().toISOString(),
        });
      }
      const a = await store.get('A_SECRET');
      await knex('secrets')
        .where({ name: 'B_SECRET' })
        .update({ ciphertext: a!.ciphertext });
      const b = await store.get('B_SECRET');
      expect(() => cipher.decrypt('B_SECRET', b!.version, b!)).toThrow(
        SecretDecryptionError,
      );
    });

    it('lists metadata in one query without ciphertexts, counts rows per key, deletes', async () => {
      const { store, cipher } = await setup();
      for (const name of ['ONE', 'TWO', 'THREE']) {
        await store.compareAndSet({
          name,
          previous: undefined,
          version: 1,
          encrypted: cipher.encrypt(name, 1, CANARY),
          actor: 'user:default/alice',
          now: new Date().toISOString(),
        });
      }
      const listed = await store.listMetadata();
      expect(listed.map(row => row.name)).toEqual(['ONE', 'THREE', 'TWO']);
      expect(JSON.stringify(listed)).not.toMatch(/ciphertext/);
      expect(await store.countByKeyId()).toEqual([{ keyId: 'k1', count: 3 }]);
      const clearedBy = {
        actor: 'user:default/bob',
        now: new Date().toISOString(),
      };
      expect(await store.clear('TWO', clearedBy)).toEqual({ existed: true });
      expect(await store.clear('TWO', clearedBy)).toEqual({ existed: false });
      expect(await store.get('TWO')).toBeUndefined();
      // The tombstone keeps the version, but counts as no value anywhere.
      expect(await store.getVersion('TWO')).toEqual({
        version: 1,
        live: false,
      });
      expect((await store.listMetadata()).map(row => row.name)).toEqual([
        'ONE',
        'THREE',
      ]);
      expect(await store.countByKeyId()).toEqual([{ keyId: 'k1', count: 2 }]);
      expect(
        await store.listNotUnderKey({ keyId: 'other', limit: 10 }),
      ).toHaveLength(2);
    });

    it('records last use without ever moving it backwards', async () => {
      const { store, cipher } = await setup();
      await store.compareAndSet({
        name: 'S',
        previous: undefined,
        version: 1,
        encrypted: cipher.encrypt('S', 1, CANARY),
        actor: 'user:default/alice',
        now: '2026-11-23T10:00:00.000Z',
      });
      await store.recordLastUsed([
        { name: 'S', at: '2026-11-23T12:00:00.000Z', by: 'plugin:late' },
      ]);
      await store.recordLastUsed([
        {
          name: 'S',
          at: '2026-11-23T11:00:00.000Z',
          by: 'plugin:early',
          onBehalfOf: 'user:default/bob',
        },
      ]);
      expect(await store.get('S')).toMatchObject({
        lastUsedAt: '2026-11-23T12:00:00.000Z',
        lastUsedBy: 'plugin:late',
        lastUsedOnBehalfOf: undefined,
      });
    });

    it('runs its migrations idempotently, also when started twice at once', async () => {
      const knex = await databases.init(databaseId);
      await Promise.all([
        DatabaseSecretsStore.migrate(knex),
        DatabaseSecretsStore.migrate(knex),
      ]);
      await DatabaseSecretsStore.migrate(knex);
      expect(await knex('secrets').count({ count: '*' })).toEqual([
        { count: expect.anything() },
      ]);
    });
  },
);
