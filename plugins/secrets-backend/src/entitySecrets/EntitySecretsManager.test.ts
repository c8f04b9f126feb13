import { mockServices } from '@backstage/backend-test-utils';
import {
  EnvelopeCipher,
  generateEncryptionKey,
  Keyring,
  SecretDecryptionError,
} from '../crypto';
import { DatabaseSecretsStore } from '../database';
import { SecretsRegistry } from '../registry';
import { LastUsedTracker } from '../values';
import { createTestDatabases } from '../__testUtils__/databases';
import { EntitySecretsManager } from './EntitySecretsManager';
import { EntitySecretsStore } from './EntitySecretsStore';
import { normalizeEntityRef } from './entityRefs';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const CANARY = 'canary-entity-7f3a9c';
const PAYMENTS = 'component:default/payments';
const BILLING = 'component:default/billing';

describe.each(databases.eachSupportedId())(
  'EntitySecretsManager on %p',
  databaseId => {
    async function setup(options: { defaultValue?: string } = {}) {
      const knex = await databases.init(databaseId);
      await DatabaseSecretsStore.migrate(knex);
      const registry = new SecretsRegistry();
      registry.register('test.ts:1', [
        { name: 'SENTRY_DSN', scope: 'entity', readers: ['catalog'] },
        { name: 'SYSTEM_TOKEN', scope: 'entity', entityKinds: ['System'] },
        { name: 'SHARED_ONE' },
      ]);
      registry.close();
      const logger = mockServices.logger.mock();
      const store = new EntitySecretsStore(knex);
      const cipher = EnvelopeCipher.local(
        Keyring.fromSecrets([{ id: 'k1', secret: generateEncryptionKey() }]),
      );
      const changes = { changed: jest.fn(async () => {}) };
      const tracker = new LastUsedTracker(store, logger, r =>
        [r.name, r.entityRef].join('\u0000'),
      );
      const manager = new EntitySecretsManager({
        registry,
        store,
        cipher,
        tracker,
        logger,
        defaultValue: async () => options.defaultValue,
        hasDefault: async () => options.defaultValue !== undefined,
        changes,
      });
      return { knex, store, manager, changes, tracker };
    }

    it('stores only ciphertext and reads the entity its own value', async () => {
      const { knex, manager, changes } = await setup();
      const summary = await manager.set({
        name: 'SENTRY_DSN',
        entityRef: PAYMENTS,
        value: CANARY,
        actor: 'user:default/bob',
      });
      expect(summary).toMatchObject({
        name: 'SENTRY_DSN',
        entityRef: PAYMENTS,
        source: 'entity',
        version: 1,
        updatedBy: 'user:default/bob',
        canManage: true,
      });
      expect(JSON.stringify(summary)).not.toContain(CANARY);
      expect(JSON.stringify(await knex('entity_secrets'))).not.toContain(
        CANARY,
      );
      expect(changes.changed).toHaveBeenCalledWith({
        name: 'SENTRY_DSN',
        scope: 'entity',
        version: 1,
        entityRef: PAYMENTS,
      });
      await expect(
        manager.readValue({
          name: 'SENTRY_DSN',
          entityRef: PAYMENTS,
          caller: 'plugin:catalog',
        }),
      ).resolves.toEqual({ value: CANARY, source: 'entity' });
    });

    it('refuses a row copied to another entity (associated data binds the entity ref)', async () => {
      const { knex, manager } = await setup();
      await manager.set({
        name: 'SENTRY_DSN',
        entityRef: PAYMENTS,
        value: CANARY,
        actor: 'user:default/bob',
      });
      const row = await knex('entity_secrets')
        .where({ entity_ref: PAYMENTS })
        .first();
      await knex('entity_secrets').insert({ ...row, entity_ref: BILLING });
      await expect(
        manager.readValue({
          name: 'SENTRY_DSN',
          entityRef: BILLING,
          caller: 'plugin:catalog',
        }),
      ).rejects.toThrow(SecretDecryptionError);
      // …and nothing of the value is in the error either way.
      const error = await manager
        .readValue({
          name: 'SENTRY_DSN',
          entityRef: BILLING,
          caller: 'plugin:catalog',
        })
        .catch(e => e);
      expect(String(error.message)).not.toContain(CANARY);
    });

    it('falls back to the default, else names the entity and where to set it', async () => {
      const withDefault = await setup({ defaultValue: 'the-default' });
      await expect(
        withDefault.manager.readValue({
          name: 'SENTRY_DSN',
          entityRef: PAYMENTS,
          caller: 'plugin:catalog',
        }),
      ).resolves.toEqual({ value: 'the-default', source: 'default' });
      expect(
        (await withDefault.manager.list(PAYMENTS, false)).map(s => [
          s.name,
          s.source,
          s.canManage,
        ]),
      ).toEqual([['SENTRY_DSN', 'default', false]]);

      const without = await setup();
      await expect(
        without.manager.readValue({
          name: 'SENTRY_DSN',
          entityRef: PAYMENTS,
          caller: 'plugin:catalog',
        }),
      ).rejects.toThrow(
        /SENTRY_DSN is not set for component:default\/payments.*"Secrets" tab/,
      );
    });

    it('answers 409 for a stale expectedVersion and keeps the value', async () => {
      const { manager } = await setup();
      await manager.set({
        name: 'SENTRY_DSN',
        entityRef: PAYMENTS,
        value: CANARY,
        actor: 'user:default/bob',
      });
      await expect(
        manager.set({
          name: 'SENTRY_DSN',
          entityRef: PAYMENTS,
          value: 'other',
          expectedVersion: 0,
          actor: 'user:default/bob',
        }),
      ).rejects.toMatchObject({ name: 'ConflictError' });
      await expect(
        manager.readValue({
          name: 'SENTRY_DSN',
          entityRef: PAYMENTS,
          caller: 'plugin:catalog',
        }),
      ).resolves.toMatchObject({ value: CANARY });
    });

    it('refuses a kind the secret does not apply to, and non-entity secrets', async () => {
      const { manager } = await setup();
      await expect(
        manager.set({
          name: 'SYSTEM_TOKEN',
          entityRef: PAYMENTS,
          value: 'x',
          actor: 'user:default/bob',
        }),
      ).rejects.toMatchObject({
        name: 'InputError',
        message: expect.stringContaining('kind System'),
      });
      await expect(
        manager.set({
          name: 'SHARED_ONE',
          entityRef: PAYMENTS,
          value: 'x',
          actor: 'user:default/bob',
        }),
      ).rejects.toMatchObject({ name: 'NotFoundError' });
      expect(
        (await manager.list('system:default/s', true)).map(s => s.name),
      ).toEqual(['SYSTEM_TOKEN']);
    });

    it('clears (reads fall back), versions go on after a clear, last use is recorded', async () => {
      const { manager, store, tracker } = await setup({ defaultValue: 'd' });
      await manager.set({
        name: 'SENTRY_DSN',
        entityRef: PAYMENTS,
        value: CANARY,
        actor: 'user:default/bob',
      });
      await manager.readValue({
        name: 'SENTRY_DSN',
        entityRef: PAYMENTS,
        caller: 'plugin:catalog',
      });
      await tracker.flush();
      expect(await store.get('SENTRY_DSN', PAYMENTS)).toMatchObject({
        lastUsedBy: 'plugin:catalog',
      });
      await expect(
        manager.clear('SENTRY_DSN', PAYMENTS, 'user:default/bob'),
      ).resolves.toEqual({ existed: true });
      expect((await manager.summary('SENTRY_DSN', PAYMENTS, true)).source).toBe(
        'default',
      );
      const again = await manager.set({
        name: 'SENTRY_DSN',
        entityRef: PAYMENTS,
        value: 'new',
        actor: 'user:default/bob',
      });
      expect(again.version).toBe(2);
      expect(await store.countEntitiesByName()).toEqual(
        new Map([['SENTRY_DSN', 1]]),
      );
    });
  },
);

describe('normalizeEntityRef', () => {
  it('spells refs one way and refuses non-refs', () => {
    expect(normalizeEntityRef('Component:Default/Payments')).toBe(PAYMENTS);
    expect(normalizeEntityRef('component:payments')).toBe(PAYMENTS);
    expect(() => normalizeEntityRef('payments')).toThrow(
      /not an entity ref|kind/,
    );
  });
});
