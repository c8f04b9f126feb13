import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { generateEncryptionKey, Keyring, SecretCipher } from '../crypto';
import { DatabaseSecretsStore } from '../database';
import { createTestDatabases } from '../__testUtils__/databases';
import { deleteOrphanedEntitySecrets } from './entitySecretOrphans';
import { EntitySecretsStore } from './EntitySecretsStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const KEPT = 'component:default/kept';
const GONE = 'component:default/gone';
const DAY = 24 * 60 * 60 * 1000;

describe.each(databases.eachSupportedId())(
  'orphaned entity secrets on %p',
  databaseId => {
    it('deletes the values of entities missing for longer than the grace period, audited', async () => {
      const knex = await databases.init(databaseId);
      await DatabaseSecretsStore.migrate(knex);
      const store = new EntitySecretsStore(knex);
      const cipher = new SecretCipher(
        Keyring.fromSecrets([{ id: 'k', secret: generateEncryptionKey() }]),
      );
      for (const entityRef of [KEPT, GONE]) {
        await store.compareAndSet({
          name: 'SENTRY_DSN',
          entityRef,
          previous: undefined,
          version: 1,
          encrypted: cipher.encrypt('SENTRY_DSN', 1, 'dsn', { entityRef }),
          actor: 'user:default/bob',
          now: '2026-01-01T00:00:00.000Z',
        });
      }
      const catalog = catalogServiceMock({
        entities: [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: { name: 'kept', namespace: 'default' },
            spec: {},
          },
        ],
      });
      const auditor = mockServices.auditor.mock();
      const run = (now: Date) =>
        deleteOrphanedEntitySecrets({
          store,
          catalog,
          auth: mockServices.auth(),
          auditor,
          logger: mockServices.logger.mock(),
          gracePeriodMs: 30 * DAY,
          now,
        });
      const start = new Date('2026-02-01T00:00:00.000Z');
      // First seen missing: marked, kept.
      expect(await run(start)).toEqual({ deletedEntities: [] });
      expect(await store.listEntities()).toEqual([
        { entityRef: GONE, missingSince: start.toISOString() },
        { entityRef: KEPT },
      ]);
      // Still within the grace period: kept.
      expect(await run(new Date(start.getTime() + 29 * DAY))).toEqual({
        deletedEntities: [],
      });
      // Past it: deleted, audited with the entity.
      expect(await run(new Date(start.getTime() + 31 * DAY))).toEqual({
        deletedEntities: [GONE],
      });
      expect(await store.listEntities()).toEqual([{ entityRef: KEPT }]);
      expect(auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({
          eventId: 'entity-secrets-orphans-delete',
          meta: expect.objectContaining({ entityRef: GONE }),
        }),
      );
    });
  },
);
