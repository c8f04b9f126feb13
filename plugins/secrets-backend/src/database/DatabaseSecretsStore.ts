import { toError } from '@backstage/errors';
import type { Knex } from 'knex';
import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type {
  ClearOptions,
  KeyCount,
  LastUsedRecord,
  SecretsStore,
  StoredHistoryVersion,
  StoredSecret,
  StoredSecretMetadata,
  StoredVersion,
  WriteResult,
} from './SecretsStore';
import { DEFAULT_HISTORY_KEEP } from '../config';
import { guardStoreErrors } from './storeErrors';
import * as history from './secretHistory';
import {
  clearLive,
  countLiveByKeyId,
  envelopeOf,
  liveRows,
  notUnderKey,
  liveVersion,
  recordLastUse,
  replaceExactCiphertext,
  writeVersion,
} from './versionedRows';

type Row = {
  name: string;
  /** null: cleared (a tombstone that keeps the version) */
  ciphertext: string | null;
  key_id: string | null;
  key_provider?: string | null;
  wrapped_key?: string | null;
  version: number | string;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
  last_used_at: string | null;
  last_used_by: string | null;
  last_used_on_behalf_of: string | null;
};
type LiveRow = Row & { ciphertext: string; key_id: string };

const TABLE = 'secrets';
const MIGRATIONS_TABLE = 'secrets_knex_migrations';

/** The columns the list reads: everything but the ciphertext. */
export const METADATA_COLUMNS = [
  'name',
  'key_id',
  'key_provider',
  'version',
  'created_at',
  'created_by',
  'updated_at',
  'updated_by',
  'last_used_at',
  'last_used_by',
  'last_used_on_behalf_of',
];

function toMetadata(row: Omit<LiveRow, 'ciphertext'>): StoredSecretMetadata {
  return {
    name: row.name,
    keyId: row.key_id,
    ...(row.key_provider ? { provider: row.key_provider } : {}),
    version: Number(row.version),
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
    lastUsedAt: row.last_used_at ?? undefined,
    lastUsedBy: row.last_used_by ?? undefined,
    lastUsedOnBehalfOf: row.last_used_on_behalf_of ?? undefined,
  };
}

function toStored(row: LiveRow): StoredSecret {
  return { ...toMetadata(row), ...envelopeOf(row), ciphertext: row.ciphertext };
}

/**
 * knex serialises the migrations themselves with its lock table, but two
 * instances starting at once on an empty database race to create that
 * bookkeeping table (PostgreSQL reports a duplicate pg_type row, SQLite
 * "already exists"). The loser only has to try again.
 */
function isBookkeepingRace(error: unknown): boolean {
  const message = toError(error).message;
  return (
    message.includes(MIGRATIONS_TABLE) &&
    /already exists|pg_type_typname_nsp_index|duplicate key/i.test(message)
  );
}

type Options<K extends keyof SecretsStore> = Parameters<SecretsStore[K]>[0];

/** Thrown inside a write's transaction to roll it back: another writer won. */
class LostRace extends Error {}

/**
 * The `secrets` table in the plugin's own database. Clearing keeps the row
 * as a tombstone (no ciphertext), so versions never repeat for a name.
 */
export class DatabaseSecretsStore implements SecretsStore {
  /**
   * The store of the plugin's database, migrated to the latest schema
   * (unless the database service says migrations are skipped).
   */
  static async create(options: {
    database: DatabaseService;
  }): Promise<DatabaseSecretsStore> {
    const { database } = options;
    const knex = await database.getClient();
    if (!database.migrations?.skip) {
      await DatabaseSecretsStore.migrate(knex);
    }
    return new DatabaseSecretsStore(knex);
  }

  /** Runs the plugin's knex migrations; safe when several instances start at once. */
  static async migrate(knex: Knex): Promise<void> {
    const directory = resolvePackagePath(
      '@backstage-secrets/plugin-secrets-backend',
      'migrations',
    );
    for (let attempt = 1; ; attempt++) {
      try {
        await knex.migrate.latest({ directory, tableName: MIGRATIONS_TABLE });
        return;
      } catch (error) {
        if (attempt >= 5 || !isBookkeepingRace(error)) {
          throw error;
        }
        await new Promise(resolve => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  constructor(private readonly db: Knex) {}

  async listMetadata(): Promise<StoredSecretMetadata[]> {
    return guardStoreErrors('list secrets', async () => {
      const rows = (await liveRows(this.db, TABLE)
        .select(METADATA_COLUMNS)
        .orderBy('name')) as unknown as Array<Omit<LiveRow, 'ciphertext'>>;
      return rows.map(toMetadata);
    });
  }

  async countByKeyId(): Promise<KeyCount[]> {
    return guardStoreErrors('count secrets by key', () =>
      countLiveByKeyId(this.db, TABLE),
    );
  }

  async get(name: string): Promise<StoredSecret | undefined> {
    return guardStoreErrors('read a secret', async () => {
      const row = (await liveRows(this.db, TABLE).where({ name }).first()) as
        | LiveRow
        | undefined;
      return row ? toStored(row) : undefined;
    });
  }

  async getVersion(name: string): Promise<StoredVersion | undefined> {
    return guardStoreErrors('read a secret version', async () => {
      const row = (await this.db<Row>(TABLE).where({ name }).first()) as
        | Row
        | undefined;
      if (!row) return undefined;
      const live = row.ciphertext !== null;
      return {
        version: Number(row.version),
        live,
        metadata: live ? toMetadata(row as LiveRow) : undefined,
      };
    });
  }

  async compareAndSet(options: Options<'compareAndSet'>): Promise<WriteResult> {
    return guardStoreErrors('write a secret', async () => {
      const { name, previous, version, encrypted, actor, now } = options;
      // A value set after a clear is a new value: it is created anew.
      const created = previous?.metadata ?? {
        createdAt: now,
        createdBy: actor,
      };
      const columns = {
        created_at: created.createdAt,
        created_by: created.createdBy,
        updated_at: now,
        updated_by: actor,
      };
      // The value and its history row are written together or not at all.
      // A lost race rolls back (on PostgreSQL a failed insert also aborts
      // the transaction, so nothing more may run in it).
      let written = true;
      try {
        await this.db.transaction(async tx => {
          const ok = await writeVersion(tx, TABLE, {
            key: { name },
            previous,
            version,
            encrypted,
            insert: columns,
            update: columns,
          });
          if (!ok) throw new LostRace();
          await history.recordVersion(tx, {
            name,
            version,
            encrypted,
            createdAt: now,
            createdBy: actor,
            restoredFrom: options.history?.restoredFrom,
            keep: options.history?.keep ?? DEFAULT_HISTORY_KEEP,
          });
        });
      } catch (error) {
        if (!(error instanceof LostRace)) throw error;
        written = false;
      }
      if (!written) {
        return {
          ok: false,
          currentVersion: await liveVersion(this.db, TABLE, { name }),
        };
      }
      return {
        ok: true,
        row: {
          ...previous?.metadata,
          name,
          keyId: encrypted.keyId,
          ...(encrypted.provider ? { provider: encrypted.provider } : {}),
          version,
          createdAt: created.createdAt,
          createdBy: created.createdBy,
          updatedAt: now,
          updatedBy: actor,
        },
      };
    });
  }

  async listNotUnderKey(
    options: Options<'listNotUnderKey'>,
  ): Promise<StoredSecret[]> {
    return guardStoreErrors('list secrets to re-encrypt', async () => {
      const rows = (await notUnderKey(liveRows(this.db, TABLE), options)
        .andWhere('name', '>', options.after?.name ?? '')
        .orderBy('name')
        .limit(options.limit)) as LiveRow[];
      return rows.map(toStored);
    });
  }

  async replaceCiphertext(
    options: Options<'replaceCiphertext'>,
  ): Promise<boolean> {
    const { name, ...rest } = options;
    return guardStoreErrors('re-encrypt a secret', () =>
      replaceExactCiphertext(this.db, TABLE, { key: { name }, ...rest }),
    );
  }

  async clear(
    name: string,
    options: ClearOptions,
  ): Promise<{ existed: boolean; conflict?: number }> {
    return guardStoreErrors('clear a secret', () =>
      this.db.transaction(async tx => {
        const conflict = await versionConflict(tx, name, options);
        if (conflict !== undefined) return { existed: false, conflict };
        const existed = await clearLive(
          tx,
          TABLE,
          { name },
          { updated_at: options.now, updated_by: options.actor },
        );
        return { existed };
      }),
    );
  }

  async purge(
    name: string,
    options: ClearOptions,
  ): Promise<{ existed: boolean; versions: number; conflict?: number }> {
    return guardStoreErrors('purge a secret', () =>
      this.db.transaction(async tx => {
        const conflict = await versionConflict(tx, name, options);
        if (conflict !== undefined) {
          return { existed: false, versions: 0, conflict };
        }
        const existed = await clearLive(
          tx,
          TABLE,
          { name },
          { updated_at: options.now, updated_by: options.actor },
        );
        const versions = await history.deleteVersions(tx, name);
        return { existed, versions };
      }),
    );
  }

  async listVersions(name: string): Promise<StoredHistoryVersion[]> {
    return guardStoreErrors('list secret versions', () =>
      history.listVersions(this.db, name),
    );
  }

  async getHistoryVersion(
    name: string,
    version: number,
  ): Promise<StoredHistoryVersion | undefined> {
    return guardStoreErrors('read a secret version', () =>
      history.getVersion(this.db, name, version),
    );
  }

  async countHistoryByKeyId(): Promise<KeyCount[]> {
    return guardStoreErrors('count secret versions by key', () =>
      history.countVersionsByKeyId(this.db),
    );
  }

  async listHistoryNotUnderKey(
    options: Options<'listHistoryNotUnderKey'>,
  ): Promise<StoredHistoryVersion[]> {
    return guardStoreErrors('list secret versions to re-encrypt', () =>
      history.listVersionsNotUnderKey(this.db, options),
    );
  }

  async replaceHistoryCiphertext(
    options: Options<'replaceHistoryCiphertext'>,
  ): Promise<boolean> {
    return guardStoreErrors('re-encrypt a secret version', () =>
      history.replaceVersionCiphertext(this.db, options),
    );
  }

  async recordLastUsed(records: LastUsedRecord[]): Promise<void> {
    return guardStoreErrors('record last use', () =>
      recordLastUse(
        this.db,
        TABLE,
        records.map(record => ({
          key: { name: record.name },
          at: record.at,
          columns: {
            last_used_by: record.by,
            last_used_on_behalf_of: record.onBehalfOf ?? null,
          },
        })),
      ),
    );
  }
}

/**
 * The live version when the caller expected another one (0: no value), or
 * undefined when they match or nothing was expected. Read in the clearing
 * transaction; on PostgreSQL the row is locked until it ends, so a write
 * cannot slip in between the check and the clear.
 */
async function versionConflict(
  tx: Knex.Transaction,
  name: string,
  { expectedVersion }: ClearOptions,
): Promise<number | undefined> {
  if (expectedVersion === undefined) return undefined;
  const query = liveRows(tx, TABLE).where({ name }).first('version');
  const row = await (tx.client.config.client === 'pg'
    ? query.forUpdate()
    : query);
  const live = row ? Number(row.version) : 0;
  return live === expectedVersion ? undefined : live;
}
