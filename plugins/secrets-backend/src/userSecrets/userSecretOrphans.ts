import { toError } from '@backstage/errors';
import type {
  AuditorService,
  AuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { UserSecretsStore } from '../database';

/**
 * Deletes the values and grants of users who have been missing from the
 * catalog for longer than the grace period (an account removed, or renamed:
 * its values are bound to the old entity ref and can never be read again).
 * Users found again before then keep everything. Each deletion is audited.
 */
export async function deleteOrphanedUserSecrets(options: {
  store: UserSecretsStore;
  catalog: CatalogService;
  auth: AuthService;
  auditor: AuditorService;
  logger: LoggerService;
  gracePeriodMs: number;
  now?: Date;
}): Promise<{ deletedUsers: string[] }> {
  const { store, catalog, auth, auditor, logger, gracePeriodMs } = options;
  const now = options.now ?? new Date();
  const owners = await store.listOwners();
  if (owners.length === 0) return { deletedUsers: [] };

  const { items } = await catalog.getEntitiesByRefs(
    {
      entityRefs: owners.map(owner => owner.userRef),
      fields: ['kind', 'metadata.name'],
    },
    { credentials: await auth.getOwnServiceCredentials() },
  );
  const missing = owners.filter((_, index) => !items[index]);
  const found = owners.filter((_, index) => items[index]);
  await store.markOwners({
    missing: missing.map(owner => owner.userRef),
    found: found
      .filter(owner => owner.missingSince)
      .map(owner => owner.userRef),
    now: now.toISOString(),
  });

  const deletedUsers: string[] = [];
  for (const owner of missing) {
    // Grants alone hold nothing of value: they go at once. Values wait for
    // the grace period, counted from when the owner was first missed.
    const expired =
      !owner.hasRows ||
      (owner.missingSince !== undefined &&
        now.getTime() - Date.parse(owner.missingSince) > gracePeriodMs);
    if (!expired) continue;
    const event = await auditor.createEvent({
      eventId: 'user-secrets-orphans-delete',
      severityLevel: 'medium',
      meta: {
        userRef: owner.userRef,
        missingSince: owner.missingSince ?? null,
      },
    });
    try {
      const { values } = await store.deleteOwner(owner.userRef);
      await event.success({ meta: { userRef: owner.userRef, values } });
      deletedUsers.push(owner.userRef);
    } catch (error) {
      await event.fail({ error: toError(error) });
      throw error;
    }
  }
  if (deletedUsers.length > 0) {
    logger.info(
      `Deleted the secrets of ${deletedUsers.length} user(s) missing from the catalog for longer than the grace period`,
    );
  }
  return { deletedUsers };
}
