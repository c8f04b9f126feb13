import { generateEncryptionKey, Keyring, SecretCipher } from '../crypto';
import { DatabaseSecretsStore } from '../database';
import { plantCanary } from '../__testUtils__/canaries';
import { createTestDatabases } from '../__testUtils__/databases';
import { AppConfigStoreReader } from './storedValues';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const VALUE = plantCanary('stored-values-canary-2e7b');

describe.each(databases.eachSupportedId())('AppConfigStoreReader on %p', id => {
  const cipher = new SecretCipher(
    Keyring.fromSecrets([{ id: 'k1', secret: generateEncryptionKey() }]),
  );
  const decrypt = async (name: string, version: number, stored: any) =>
    cipher.decrypt(name, version, stored);

  it('reads nothing, without failing, before the plugin created its tables', async () => {
    const knex = await databases.init(id);
    const reader = new AppConfigStoreReader(knex, ['A'], decrypt);
    expect(await reader.fingerprint()).toBe('');
    expect(await reader.read(() => {})).toEqual(new Map());
  });

  it('reads the live values of its names only, and moves its fingerprint on a change', async () => {
    const knex = await databases.init(id);
    await DatabaseSecretsStore.migrate(knex);
    const store = new DatabaseSecretsStore(knex);
    const set = async (name: string, version: number, value: string) => {
      const result = await store.compareAndSet({
        name,
        previous: await store.getVersion(name),
        version,
        encrypted: cipher.encrypt(name, version, value),
        actor: 'user:default/alice',
        now: new Date(Date.UTC(2026, 11, 6, 0, 0, version)).toISOString(),
      });
      expect(result).toMatchObject({ ok: true });
    };
    await set('A', 1, VALUE);
    await set('OTHER', 1, 'not asked for');
    const reader = new AppConfigStoreReader(knex, ['A', 'B'], decrypt);
    const before = await reader.fingerprint();
    expect(await reader.read(() => {})).toEqual(
      new Map([['A', { version: 1, value: VALUE }]]),
    );
    await set('A', 2, 'second');
    expect(await reader.fingerprint()).not.toBe(before);
    expect((await reader.read(() => {})).get('A')).toEqual({
      version: 2,
      value: 'second',
    });
  });

  it('leaves out a row that fails to decrypt, with a warning that names it and never a value', async () => {
    const knex = await databases.init(id);
    await DatabaseSecretsStore.migrate(knex);
    const store = new DatabaseSecretsStore(knex);
    await store.compareAndSet({
      name: 'MOVED',
      previous: undefined,
      version: 1,
      // encrypted for another name: the associated data refuses it
      encrypted: cipher.encrypt('ELSEWHERE', 1, VALUE),
      actor: 'user:default/alice',
      now: '2026-12-06T00:00:00.000Z',
    });
    const warnings: string[] = [];
    const reader = new AppConfigStoreReader(knex, ['MOVED'], decrypt);
    expect(await reader.read(w => warnings.push(w))).toEqual(new Map());
    expect(warnings).toEqual([
      expect.stringMatching(
        /^Stored secret MOVED is left out of app-config: Secret MOVED cannot be decrypted/,
      ),
    ]);
    expect(warnings.join()).not.toContain(VALUE);
  });
});
