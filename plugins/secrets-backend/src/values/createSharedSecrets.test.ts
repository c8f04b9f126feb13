import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { generateEncryptionKey, Keyring, SecretCipher } from '../crypto';
import { DatabaseSecretsStore, type UserSecretsStore } from '../database';
import { SecretsRegistry } from '../registry';
import { testSharedSecrets } from '../__testUtils__/sharedSecrets';
import { UserScopedReadError } from './refusals';

/*
 * The shared-secret service's own rules, on a real (SQLite) store: scopes
 * and versions across clears. Readers are ReaderPolicy's (access/);
 * precedence, orphans and the HTTP side are tested through a real backend
 * in plugin.test.ts.
 */

const databases = TestDatabases.create({
  ids: ['SQLITE_3'],
  disableDocker: true,
});
const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';

async function setup() {
  const knex = await databases.init('SQLITE_3');
  await DatabaseSecretsStore.migrate(knex);
  const store = new DatabaseSecretsStore(knex);
  const registry = new SecretsRegistry();
  registry.register('createSharedSecrets.test.ts', [
    { name: 'NARROW', readers: ['catalog'] },
    { name: 'OPEN' },
    { name: 'PERSONAL', scope: 'user', readers: ['catalog'] },
  ]);
  registry.close();
  const userStore = {
    countUsersByName: jest.fn(async () => new Map([['PERSONAL', 4]])),
  } as unknown as UserSecretsStore;
  const secrets = testSharedSecrets({
    store,
    registry,
    cipher: new SecretCipher(
      Keyring.fromSecrets([{ id: 'k', secret: generateEncryptionKey() }]),
    ),
    logger: mockServices.logger.mock(),
    userStore,
  });
  return { ...secrets, store };
}

describe('shared secrets', () => {
  it('continues versions after a clear, and creates the value anew', async () => {
    const { writes, reads, store } = await setup();
    await writes.set({ name: 'OPEN', value: 'one', actor: ALICE });
    await writes.set({ name: 'OPEN', value: 'two', actor: ALICE });
    expect(await writes.clear('OPEN', BOB)).toEqual({ existed: true });
    expect(await store.getVersion('OPEN')).toEqual({
      version: 2,
      live: false,
    });
    const again = await writes.set({
      name: 'OPEN',
      value: 'three',
      expectedVersion: 0,
      actor: BOB,
    });
    expect(again).toMatchObject({ version: 3, createdBy: BOB, updatedBy: BOB });
    expect(await reads.readValue({ name: 'OPEN', caller: 'plugin:x' })).toEqual(
      { value: 'three', source: 'database' },
    );
  });

  it('keeps admins away from per-user values and tells plugins to read them for a user', async () => {
    const { writes, reads } = await setup();
    await expect(
      writes.set({ name: 'PERSONAL', value: 'v', actor: ALICE }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(/one value per user/),
    });
    await expect(writes.clear('PERSONAL', ALICE)).rejects.toMatchObject({
      name: 'ConflictError',
    });
    await expect(
      reads.readValue({ name: 'PERSONAL', caller: 'plugin:catalog' }),
    ).rejects.toBeInstanceOf(UserScopedReadError);
  });

  it('lists per-user secrets with their readers and how many users set one', async () => {
    const { summaries } = await setup();
    const items = await summaries.list();
    expect(items.find(item => item.name === 'PERSONAL')).toEqual({
      name: 'PERSONAL',
      registered: true,
      format: 'text',
      source: 'unset',
      readers: ['catalog'],
      scope: 'user',
      userValueCount: 4,
    });
    expect(items.find(item => item.name === 'OPEN')).toMatchObject({
      scope: 'shared',
      source: 'unset',
    });
  });
});
