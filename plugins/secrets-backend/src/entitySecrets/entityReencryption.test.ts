import { mockServices } from '@backstage/backend-test-utils';
import { generateEncryptionKey, Keyring, SecretCipher } from '../crypto';
import { DatabaseSecretsStore } from '../database';
import type { SecretChangeEvents } from '../events';
import { KeyReencryption } from '../keys';
import { createTestDatabases } from '../__testUtils__/databases';
import { EntitySecretsStore } from './EntitySecretsStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const OLD_KEY = { id: 'old', secret: generateEncryptionKey() };
const NEW_KEY = { id: 'new', secret: generateEncryptionKey() };

describe.each(databases.eachSupportedId())(
  "key rotation of entities' values on %p",
  databaseId => {
    it('re-encrypts them page by page, each still bound to its entity', async () => {
      const knex = await databases.init(databaseId);
      await DatabaseSecretsStore.migrate(knex);
      const store = new DatabaseSecretsStore(knex);
      const entityStore = new EntitySecretsStore(knex);
      const oldCipher = new SecretCipher(Keyring.fromSecrets([OLD_KEY]));
      const rows = [
        { name: 'A_DSN', entityRef: 'component:default/a' },
        { name: 'A_DSN', entityRef: 'component:default/b' },
        { name: 'B_DSN', entityRef: 'component:default/a' },
      ];
      const valueOf = (row: (typeof rows)[number]) =>
        `${row.name} of ${row.entityRef}`;
      for (const row of rows) {
        await entityStore.compareAndSet({
          ...row,
          previous: undefined,
          version: 1,
          encrypted: oldCipher.encrypt(row.name, 1, valueOf(row), {
            entityRef: row.entityRef,
          }),
          actor: 'user:default/bob',
          now: '2026-01-01T00:00:00.000Z',
        });
      }
      const changed = jest.fn();
      const keyring = Keyring.fromSecrets([NEW_KEY, OLD_KEY]);
      const reencryption = new KeyReencryption({
        keyring,
        cipher: new SecretCipher(keyring),
        store,
        entityStore,
        logger: mockServices.logger.mock(),
        changes: { changed } as unknown as SecretChangeEvents,
        batchSize: 1,
        pauseBetweenBatchesMs: 0,
      });
      expect((await reencryption.status()).rowsUnderOlderKeys).toBe(3);
      expect(await reencryption.run()).toEqual({
        reencrypted: 3,
        skipped: 0,
        failed: 0,
        remaining: 0,
      });
      const newOnly = new SecretCipher(Keyring.fromSecrets([NEW_KEY]));
      for (const row of rows) {
        const stored = (await entityStore.get(row.name, row.entityRef))!;
        expect(stored.keyId).toBe('new');
        expect(
          newOnly.decrypt(row.name, 1, stored, { entityRef: row.entityRef }),
        ).toBe(valueOf(row));
      }
      expect(changed.mock.calls.map(([event]) => event)).toEqual(
        rows.map(row => ({
          name: row.name,
          scope: 'entity',
          version: 1,
          entityRef: row.entityRef,
        })),
      );
    });
  },
);
