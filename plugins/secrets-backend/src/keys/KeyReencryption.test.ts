import { mockServices } from '@backstage/backend-test-utils';
import { generateEncryptionKey, Keyring, SecretCipher } from '../crypto';
import {
  DatabaseSecretsStore,
  DatabaseUserSecretsStore,
  type SecretsStore,
} from '../database';
import type { SecretChangeEvents } from '../events';
import { SecretsRegistry } from '../registry';
import { createTestDatabases } from '../__testUtils__/databases';
import { testSharedSecrets } from '../__testUtils__/sharedSecrets';
import { KeyReencryption } from './KeyReencryption';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const OLD_KEY = { id: 'old', secret: generateEncryptionKey() };
const NEW_KEY = { id: 'new', secret: generateEncryptionKey() };
const NAME = 'ROTATED_KEY';
const ADMIN = 'user:default/alice';

/** One replica's view: its keyring and the shared secrets built on it. */
function replica(store: SecretsStore, keys: Array<typeof OLD_KEY>) {
  const registry = new SecretsRegistry();
  registry.register('KeyReencryption.test.ts', [{ name: NAME }]);
  registry.close();
  const logger = mockServices.logger.mock();
  const cipher = new SecretCipher(Keyring.fromSecrets(keys));
  const secrets = testSharedSecrets({ store, registry, cipher, logger });
  return { secrets, cipher, logger };
}

describe.each(databases.eachSupportedId())(
  'KeyReencryption on %p',
  databaseId => {
    async function setup() {
      const knex = await databases.init(databaseId);
      await DatabaseSecretsStore.migrate(knex);
      return new DatabaseSecretsStore(knex);
    }

    it('never overwrites a value that was cleared and set again under the old key while a pass runs', async () => {
      const store = await setup();
      // A rolling deploy: this replica still encrypts with the old key...
      const oldReplica = replica(store, [OLD_KEY]);
      // ...while the upgraded one has the new key first and rotates.
      const newReplica = replica(store, [NEW_KEY, OLD_KEY]);
      await oldReplica.secrets.writes.set({
        name: NAME,
        value: 'first',
        actor: ADMIN,
      });

      // The exact interleaving: the pass has read the row (version 1, old
      // key) when an admin on the old replica clears and sets a new value,
      // which the old replica encrypts with the old key again.
      let interleavings = 0;
      const listNotUnderKey: SecretsStore['listNotUnderKey'] =
        async options => {
          const batch = await store.listNotUnderKey(options);
          if (batch.length > 0 && interleavings++ === 0) {
            await oldReplica.secrets.writes.clear(NAME, ADMIN);
            await oldReplica.secrets.writes.set({
              name: NAME,
              value: 'second',
              actor: ADMIN,
            });
          }
          return batch;
        };
      const interleaved = new Proxy(store, {
        get(target, property) {
          if (property === 'listNotUnderKey') return listNotUnderKey;
          const member = Reflect.get(target, property, target);
          return typeof member === 'function' ? member.bind(target) : member;
        },
      });
      const reencryption = new KeyReencryption({
        keyring: Keyring.fromSecrets([NEW_KEY, OLD_KEY]),
        cipher: newReplica.cipher,
        store: interleaved,
        logger: newReplica.logger,
        batchSize: 10,
        pauseBetweenBatchesMs: 0,
      });

      const firstPass = await reencryption.run();
      expect(interleavings).toBe(1);
      // The row it read is gone (version 1 became 2 through the tombstone
      // and the new set): its update is skipped, the new value survives.
      // (The two history rows, versions 1 and 2, are re-encrypted.)
      expect(firstPass).toMatchObject({ reencrypted: 2, skipped: 1 });
      expect(
        await newReplica.secrets.reads.readValue({
          name: NAME,
          caller: 'plugin:t',
        }),
      ).toMatchObject({ value: 'second' });
      expect(await store.get(NAME)).toMatchObject({ version: 2, keyId: 'old' });

      // The next pass re-encrypts the new value, and still nothing is lost.
      const secondPass = await reencryption.run();
      expect(secondPass).toMatchObject({ reencrypted: 1, remaining: 0 });
      expect(await store.get(NAME)).toMatchObject({ version: 2, keyId: 'new' });
      expect(
        await oldReplica.secrets.reads
          .readValue({ name: NAME, caller: 'plugin:t' })
          .catch(error => error.name),
      ).toBe('SecretDecryptionError');
      expect(
        await newReplica.secrets.reads.readValue({
          name: NAME,
          caller: 'plugin:t',
        }),
      ).toMatchObject({ value: 'second' });
    });

    it('re-encrypts only the exact row it read: same version and key but another ciphertext is left alone', async () => {
      const store = await setup();
      const { secrets, cipher } = replica(store, [OLD_KEY]);
      await secrets.writes.set({ name: NAME, value: 'original', actor: ADMIN });
      const read = (await store.get(NAME))!;
      // The row changes under the same version and key (e.g. a row restored
      // from a backup); a compare on version and key alone would not see it.
      const replacement = cipher.encrypt(NAME, read.version, 'restored');
      const newCipher = new SecretCipher(
        Keyring.fromSecrets([NEW_KEY, OLD_KEY]),
      );
      expect(
        await store.replaceCiphertext({
          name: NAME,
          version: read.version,
          fromKeyId: read.keyId,
          fromCiphertext: replacement.ciphertext,
          encrypted: newCipher.encrypt(NAME, read.version, 'stale'),
        }),
      ).toBe(false);
      expect(
        await secrets.reads.readValue({ name: NAME, caller: 'plugin:t' }),
      ).toMatchObject({ value: 'original' });
    });

    it('re-encrypts history rows too, so that old versions stay restorable once the old key is gone', async () => {
      const store = await setup();
      const oldReplica = replica(store, [OLD_KEY]);
      for (const value of ['one', 'two', 'three']) {
        await oldReplica.secrets.writes.set({
          name: NAME,
          value,
          actor: ADMIN,
        });
      }
      const rotating = replica(store, [NEW_KEY, OLD_KEY]);
      const reencryption = new KeyReencryption({
        keyring: Keyring.fromSecrets([NEW_KEY, OLD_KEY]),
        cipher: rotating.cipher,
        store,
        logger: rotating.logger,
        batchSize: 2,
        pauseBetweenBatchesMs: 0,
      });
      // The old key still encrypts history rows: it is not removable yet.
      expect((await reencryption.status()).keys).toContainEqual({
        id: 'old',
        primary: false,
        configured: true,
        rows: 4,
        removable: false,
      });
      expect(await reencryption.run()).toMatchObject({
        reencrypted: 4,
        failed: 0,
        remaining: 0,
      });
      expect(await store.countHistoryByKeyId()).toEqual([
        { keyId: 'new', count: 3 },
      ]);
      // With the old key removed, every kept version restores.
      const newOnly = replica(store, [NEW_KEY]);
      for (const [version, value] of [
        [1, 'one'],
        [2, 'two'],
      ] as const) {
        await newOnly.secrets.history.restore({
          name: NAME,
          version,
          actor: ADMIN,
        });
        expect(
          await newOnly.secrets.reads.readValue({
            name: NAME,
            caller: 'plugin:t',
          }),
        ).toMatchObject({ value });
      }
    });

    it('re-encrypts only the exact history row it read', async () => {
      const store = await setup();
      const { secrets, cipher } = replica(store, [OLD_KEY]);
      await secrets.writes.set({ name: NAME, value: 'original', actor: ADMIN });
      const [read] = await store.listHistoryNotUnderKey({
        keyId: NEW_KEY.id,
        limit: 10,
      });
      const newCipher = new SecretCipher(
        Keyring.fromSecrets([NEW_KEY, OLD_KEY]),
      );
      const replace = (fromCiphertext: string) =>
        store.replaceHistoryCiphertext({
          name: NAME,
          version: read.version,
          fromKeyId: read.keyId,
          fromCiphertext,
          encrypted: newCipher.encrypt(NAME, read.version, 'original'),
        });
      expect(
        await replace(cipher.encrypt(NAME, read.version, 'other').ciphertext),
      ).toBe(false);
      expect(await store.getHistoryVersion(NAME, 1)).toMatchObject({
        keyId: 'old',
        ciphertext: read.ciphertext,
      });
      expect(await replace(read.ciphertext)).toBe(true);
      expect(await store.getHistoryVersion(NAME, 1)).toMatchObject({
        keyId: 'new',
      });
    });

    it("re-encrypts users' own values page by page, each still bound to its owner", async () => {
      const knex = await databases.init(databaseId);
      await DatabaseSecretsStore.migrate(knex);
      const store = new DatabaseSecretsStore(knex);
      const userStore = new DatabaseUserSecretsStore(knex);
      const oldCipher = new SecretCipher(Keyring.fromSecrets([OLD_KEY]));
      const rows = [
        { name: 'A_KEY', userRef: 'user:default/alice' },
        { name: 'A_KEY', userRef: 'user:default/bob' },
        { name: 'B_KEY', userRef: 'user:default/alice' },
      ];
      const valueOf = (row: (typeof rows)[number]) =>
        `${row.name} of ${row.userRef}`;
      for (const row of rows) {
        await userStore.compareAndSet({
          ...row,
          previous: undefined,
          version: 1,
          encrypted: oldCipher.encrypt(row.name, 1, valueOf(row), row.userRef),
          now: '2026-01-01T00:00:00.000Z',
        });
      }
      const changed = jest.fn();
      const rotating = replica(store, [NEW_KEY, OLD_KEY]);
      const reencryption = new KeyReencryption({
        keyring: Keyring.fromSecrets([NEW_KEY, OLD_KEY]),
        cipher: rotating.cipher,
        store,
        userStore,
        logger: rotating.logger,
        changes: { changed } as unknown as SecretChangeEvents,
        // One row a page: every page starts after a (name, user) cursor.
        batchSize: 1,
        pauseBetweenBatchesMs: 0,
      });

      expect(await reencryption.run()).toEqual({
        reencrypted: 3,
        skipped: 0,
        failed: 0,
        remaining: 0,
      });
      const newOnly = new SecretCipher(Keyring.fromSecrets([NEW_KEY]));
      for (const row of rows) {
        const stored = (await userStore.get(row.name, row.userRef))!;
        expect(stored.keyId).toBe('new');
        expect(newOnly.decrypt(row.name, 1, stored, row.userRef)).toBe(
          valueOf(row),
        );
      }
      expect(changed.mock.calls.map(([event]) => event)).toEqual(
        rows.map(row => ({ name: row.name, scope: 'user', version: 1 })),
      );
    });
  },
);
