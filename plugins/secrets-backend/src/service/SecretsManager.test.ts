import { ConfigReader } from '@backstage/config';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { Keyring } from '../crypto/Keyring';
import { generateEncryptionKey } from '../crypto/keyFormat';
import { SecretCipher } from '../crypto/SecretCipher';
import { DatabaseSecretsStore } from '../database/DatabaseSecretsStore';
import type { UserSecretsStore } from '../database/UserSecretsStore';
import { LastUsedTracker } from './LastUsedTracker';
import { SecretsManager, UserScopedReadError } from './SecretsManager';
import { SecretsRegistry } from './SecretsRegistry';

/*
 * The manager's own rules, on a real (SQLite) store: readers, scopes,
 * versions across clears. Precedence, orphans and the HTTP side are tested
 * through a real backend in plugin.test.ts.
 */

const databases = TestDatabases.create({
  ids: ['SQLITE_3'],
  disableDocker: true,
});
const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';

async function setup(config: object = {}) {
  const knex = await databases.init('SQLITE_3');
  await DatabaseSecretsStore.migrate(knex);
  const store = new DatabaseSecretsStore(knex);
  const registry = new SecretsRegistry();
  registry.register('SecretsManager.test.ts', [
    { name: 'NARROW', readers: ['catalog'] },
    { name: 'OPEN' },
    { name: 'PERSONAL', scope: 'user', readers: ['catalog'] },
  ]);
  registry.close();
  const logger = mockServices.logger.mock();
  const userStore = {
    countUsersByName: jest.fn(async () => new Map([['PERSONAL', 4]])),
  } as unknown as UserSecretsStore;
  const manager = new SecretsManager({
    config: new ConfigReader(config),
    env: {},
    registry,
    store,
    cipher: new SecretCipher(
      Keyring.fromSecrets([{ id: 'k', secret: generateEncryptionKey() }]),
    ),
    tracker: new LastUsedTracker(store, logger),
    logger,
    userStore,
  });
  return { manager, store };
}

describe('SecretsManager', () => {
  it('takes readers from the configuration over the definition', async () => {
    const { manager } = await setup({
      secrets: { readers: { OPEN: ['scaffolder', 'scaffolder'] } },
    });
    expect(manager.readersOf('NARROW')).toEqual(['catalog']);
    expect(manager.readersOf('OPEN')).toEqual(['scaffolder']);
    expect(manager.readersOf('UNKNOWN')).toBeUndefined();
  });

  it('refuses callers outside the readers, naming them; lets unregistered names through to a 404', async () => {
    const { manager } = await setup();
    expect(() =>
      manager.assertMayRead('NARROW', 'plugin:catalog'),
    ).not.toThrow();
    expect(() =>
      manager.assertMayRead('OPEN', 'plugin:anything'),
    ).not.toThrow();
    expect(() => manager.assertMayRead('NARROW', 'plugin:scaffolder')).toThrow(
      'Plugin scaffolder may not read secret NARROW: only the plugin(s) catalog may read it. An operator can change that with secrets.readers.NARROW in app-config.yaml.',
    );
    expect(() => manager.assertMayRead('NARROW', 'external:ci-bot')).toThrow(
      /^The external caller external:ci-bot may not read secret NARROW/,
    );
    expect(() => manager.assertMayRead('UNKNOWN', 'plugin:x')).not.toThrow();
  });

  it('continues versions after a clear, and creates the value anew', async () => {
    const { manager, store } = await setup();
    await manager.set({ name: 'OPEN', value: 'one', actor: ALICE });
    await manager.set({ name: 'OPEN', value: 'two', actor: ALICE });
    expect(await manager.clear('OPEN', BOB)).toEqual({ existed: true });
    expect(await store.getVersion('OPEN')).toEqual({
      version: 2,
      live: false,
    });
    const again = await manager.set({
      name: 'OPEN',
      value: 'three',
      expectedVersion: 0,
      actor: BOB,
    });
    expect(again).toMatchObject({ version: 3, createdBy: BOB, updatedBy: BOB });
    expect(
      await manager.readValue({ name: 'OPEN', caller: 'plugin:x' }),
    ).toEqual({ value: 'three', source: 'database' });
  });

  it('keeps admins away from per-user values and tells plugins to read them for a user', async () => {
    const { manager } = await setup();
    await expect(
      manager.set({ name: 'PERSONAL', value: 'v', actor: ALICE }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(/one value per user/),
    });
    await expect(manager.clear('PERSONAL', ALICE)).rejects.toMatchObject({
      name: 'ConflictError',
    });
    await expect(
      manager.readValue({ name: 'PERSONAL', caller: 'plugin:catalog' }),
    ).rejects.toBeInstanceOf(UserScopedReadError);
  });

  it('lists per-user secrets with their readers and how many users set one', async () => {
    const { manager } = await setup();
    const items = await manager.list();
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
