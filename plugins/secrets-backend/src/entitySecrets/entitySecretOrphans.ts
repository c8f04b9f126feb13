import { toError } from '@backstage/errors';
import type {
  AuditorService,
  AuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { EntitySecretsStore } from './EntitySecretsStore';

/** How many entity refs one catalog request asks about. */
const PAGE = 500;

/**
 * Deletes the values of entities that have been missing from the catalog
 * for longer than `secrets.entitySecrets.orphanGracePeriod` (an entity
 * removed, or renamed: its values are bound to the old ref and can never
 * be read again). Entities found again before then keep their values.
 * Each deletion is audited, naming the entity (never a value).
 */
export async function deleteOrphanedEntitySecrets(options: {
  store: Pick<
    EntitySecretsStore,
    'listEntities' | 'markEntities' | 'deleteEntity'
  >;
  catalog: Pick<CatalogService, 'getEntitiesByRefs'>;
  auth: Pick<AuthService, 'getOwnServiceCredentials'>;
  auditor: AuditorService;
  logger: LoggerService;
  gracePeriodMs: number;
  now?: Date;
}): Promise<{ deletedEntities: string[] }> {
  const { store, catalog, auth, auditor, logger, gracePeriodMs } = options;
  const now = options.now ?? new Date();
  const entities = await store.listEntities();
  if (entities.length === 0) return { deletedEntities: [] };

  const credentials = await auth.getOwnServiceCredentials();
  const missing: typeof entities = [];
  const found: typeof entities = [];
  for (let start = 0; start < entities.length; start += PAGE) {
    const page = entities.slice(start, start + PAGE);
    const { items } = await catalog.getEntitiesByRefs(
      {
        entityRefs: page.map(entity => entity.entityRef),
        fields: ['kind', 'metadata.name'],
      },
      { credentials },
    );
    page.forEach((entity, index) =>
      (items[index] ? found : missing).push(entity),
    );
  }
  await store.markEntities({
    missing: missing.map(entity => entity.entityRef),
    found: found
      .filter(entity => entity.missingSince)
      .map(entity => entity.entityRef),
    now: now.toISOString(),
  });

  const deletedEntities: string[] = [];
  for (const entity of missing) {
    const expired =
      entity.missingSince !== undefined &&
      now.getTime() - Date.parse(entity.missingSince) > gracePeriodMs;
    if (!expired) continue;
    const event = await auditor.createEvent({
      eventId: 'entity-secrets-orphans-delete',
      severityLevel: 'medium',
      meta: { entityRef: entity.entityRef, missingSince: entity.missingSince! },
    });
    try {
      const { values } = await store.deleteEntity(entity.entityRef);
      await event.success({ meta: { entityRef: entity.entityRef, values } });
      deletedEntities.push(entity.entityRef);
    } catch (error) {
      await event.fail({ error: toError(error) });
      throw error;
    }
  }
  if (deletedEntities.length > 0) {
    logger.info(
      `Deleted the secrets of ${deletedEntities.length} entit(ies) missing from the catalog for longer than the grace period`,
    );
  }
  return { deletedEntities };
}
