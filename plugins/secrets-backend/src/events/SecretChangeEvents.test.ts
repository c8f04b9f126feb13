import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { EventsService } from '@backstage/plugin-events-node';
import { generateEncryptionKey, Keyring, SecretCipher } from '../crypto';
import { DatabaseSecretsStore } from '../database';
import { KeyReencryption } from '../keys';
import { SecretsRegistry } from '../registry';
import { plantCanary } from '../__testUtils__/canaries';
import { testSharedSecrets } from '../__testUtils__/sharedSecrets';
import { SecretChangeEvents } from './SecretChangeEvents';

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
      secrets: testSharedSecrets({ store, registry, cipher, logger, changes }),
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
    const { secrets, store, logger, changes, build } = await setup(events);
    const { writes } = secrets;
    await writes.set({ name: 'KEY', value: `${CANARY}-1`, actor: ADMIN });
    await writes.set({ name: 'KEY', value: `${CANARY}-2`, actor: ADMIN });
    await writes.clear('KEY', ADMIN);
    await writes.clear('KEY', ADMIN); // nothing stored: no change
    await writes.set({ name: 'KEY', value: `${CANARY}-4`, actor: ADMIN });

    const rotated = build([NEW_KEY, OLD_KEY]);
    const reencryption = new KeyReencryption({
      keyring: Keyring.fromSecrets([NEW_KEY, OLD_KEY]),
      cipher: rotated.cipher,
      store,
      logger,
      changes,
      batchSize: 10,
      pauseBetweenBatchesMs: 0,
    });
    const { reencrypted } = await reencryption.run();
    expect(reencrypted).toBeGreaterThanOrEqual(1);
    // A restore is a write like a set; a purge is a clear.
    await rotated.secrets.history.restore({
      name: 'KEY',
      version: 1,
      actor: ADMIN,
    });
    await rotated.secrets.writes.purge('KEY', ADMIN);

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
    const { secrets, logger } = await setup(events);
    for (let i = 0; i < 3; i++) {
      const summary = await secrets.writes.set({
        name: 'KEY',
        value: `${CANARY}-${i}`,
        actor: ADMIN,
      });
      expect(summary.version).toBe(i + 1);
    }
    expect(
      (
        await secrets.reads.readValue({
          name: 'KEY',
          caller: 'plugin:catalog',
        })
      ).value,
    ).toBe(`${CANARY}-2`);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0][0]).toMatch(
      /Could not publish secrets.changed on the event bus \(event bus unavailable\)/,
    );
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain(CANARY);
  });
});
