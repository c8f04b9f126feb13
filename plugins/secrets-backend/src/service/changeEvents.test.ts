import { ConfigReader } from '@backstage/config';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { EventsService } from '@backstage/plugin-events-node';
import { Keyring } from '../crypto/Keyring';
import { generateEncryptionKey } from '../crypto/keyFormat';
import { SecretCipher } from '../crypto/SecretCipher';
import { DatabaseSecretsStore } from '../database/DatabaseSecretsStore';
import { plantCanary } from '../__testUtils__/canaries';
import { SecretChangeEvents } from './changeEvents';
import { KeyRotation } from './KeyRotation';
import { LastUsedTracker } from './LastUsedTracker';
import { SecretsManager } from './SecretsManager';
import { SecretsRegistry } from './SecretsRegistry';

/*
 * What the backend publishes on `secrets.changed`: every set, clear and
 * re-encrypted row, names and versions only; a failing bus never fails the
 * write and is logged once. Users' values and grants are covered across two
 * replicas in ../changeEvents.test.ts.
 */

const databases = TestDatabases.create({
  ids: ['SQLITE_3'],
  disableDocker: true,
});
const ADMIN = 'user:default/alice';
const CANARY = plantCanary('sk-change-events-unit-canary-55e1');
const OLD_KEY = { id: 'old', secret: generateEncryptionKey() };
const NEW_KEY = { id: 'new', secret: generateEncryptionKey() };

async function setup(events: EventsService, keys = [OLD_KEY]) {
  const knex = await databases.init('SQLITE_3');
  await DatabaseSecretsStore.migrate(knex);
  const store = new DatabaseSecretsStore(knex);
  const registry = new SecretsRegistry();
  registry.register('changeEvents.test.ts', [{ name: 'KEY' }]);
  registry.close();
  const logger = mockServices.logger.mock();
  const changes = new SecretChangeEvents({ events, logger });
  const build = (ring: typeof keys) => {
    const cipher = new SecretCipher(Keyring.fromSecrets(ring));
    return {
      cipher,
      manager: new SecretsManager({
        config: new ConfigReader({}),
        env: {},
        registry,
        store,
        cipher,
        tracker: new LastUsedTracker(store, logger),
        logger,
        changes,
      }),
    };
  };
  return { store, logger, changes, build, ...build(keys) };
}

function recordingEvents() {
  const published: Array<{ topic: string; eventPayload: unknown }> = [];
  const events: EventsService = {
    publish: async ({ topic, eventPayload }) => {
      published.push({ topic, eventPayload });
    },
    subscribe: async () => {},
  };
  return { events, published };
}

describe('secret change events', () => {
  it('publishes every set, clear, re-encryption, restore and purge, never a value', async () => {
    const { events, published } = recordingEvents();
    const { manager, store, logger, changes, build } = await setup(events);
    await manager.set({ name: 'KEY', value: `${CANARY}-1`, actor: ADMIN });
    await manager.set({ name: 'KEY', value: `${CANARY}-2`, actor: ADMIN });
    await manager.clear('KEY', ADMIN);
    await manager.clear('KEY', ADMIN); // nothing stored: no change
    await manager.set({ name: 'KEY', value: `${CANARY}-4`, actor: ADMIN });

    const rotated = build([NEW_KEY, OLD_KEY]);
    const rotation = new KeyRotation({
      keyring: Keyring.fromSecrets([NEW_KEY, OLD_KEY]),
      cipher: rotated.cipher,
      store,
      logger,
      changes,
      batchSize: 10,
      pauseBetweenBatchesMs: 0,
    });
    const { reencrypted } = await rotation.run();
    expect(reencrypted).toBeGreaterThanOrEqual(1);
    // A restore is a write like a set; a purge is a clear.
    await rotated.manager.restore({ name: 'KEY', version: 1, actor: ADMIN });
    await rotated.manager.purge('KEY', ADMIN);

    expect(published).toEqual([
      {
        topic: 'secrets.changed',
        eventPayload: { name: 'KEY', scope: 'shared', version: 1 },
      },
      {
        topic: 'secrets.changed',
        eventPayload: { name: 'KEY', scope: 'shared', version: 2 },
      },
      {
        topic: 'secrets.changed',
        eventPayload: { name: 'KEY', scope: 'shared' },
      },
      {
        topic: 'secrets.changed',
        eventPayload: { name: 'KEY', scope: 'shared', version: 3 },
      },
      {
        topic: 'secrets.changed',
        eventPayload: { name: 'KEY', scope: 'shared', version: 3 },
      },
      {
        topic: 'secrets.changed',
        eventPayload: { name: 'KEY', scope: 'shared', version: 4 },
      },
      {
        topic: 'secrets.changed',
        eventPayload: { name: 'KEY', scope: 'shared' },
      },
    ]);
    expect(JSON.stringify(published)).not.toContain(CANARY);
  });

  it('stores the value when the bus fails, logging once without the value', async () => {
    const events: EventsService = {
      publish: async () => {
        throw new Error('event bus unavailable');
      },
      subscribe: async () => {},
    };
    const { manager, logger } = await setup(events);
    for (let i = 0; i < 3; i++) {
      const summary = await manager.set({
        name: 'KEY',
        value: `${CANARY}-${i}`,
        actor: ADMIN,
      });
      expect(summary.version).toBe(i + 1);
    }
    expect(
      (await manager.readValue({ name: 'KEY', caller: 'plugin:catalog' }))
        .value,
    ).toBe(`${CANARY}-2`);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0][0]).toMatch(
      /Could not publish secrets.changed on the event bus \(event bus unavailable\)/,
    );
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain(CANARY);
  });
});
