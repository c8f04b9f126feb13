import type { Knex } from 'knex';
import { resolvePackagePath } from '@backstage/backend-plugin-api';

const migrationsDir = resolvePackagePath(
  '@backstage-secrets/plugin-secrets-backend',
  'migrations',
);

/**
 * knex serialises the migrations themselves with its lock table, but two
 * instances starting at once on an empty database race to create that
 * bookkeeping table (PostgreSQL reports a duplicate pg_type row, SQLite
 * "already exists"). The loser only has to try again.
 */
function isBookkeepingRace(error: unknown): boolean {
  const message = String((error as Error)?.message ?? '');
  return (
    /secrets_knex_migrations/.test(message) &&
    /already exists|pg_type_typname_nsp_index|duplicate key/i.test(message)
  );
}

/** Runs the plugin's knex migrations; safe when several instances start at once. */
export async function migrateDatabase(knex: Knex): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await knex.migrate.latest({
        directory: migrationsDir,
        tableName: 'secrets_knex_migrations',
      });
      return;
    } catch (error) {
      if (attempt >= 5 || !isBookkeepingRace(error)) {
        throw error;
      }
      await new Promise(resolve => setTimeout(resolve, 100 * attempt));
    }
  }
}
