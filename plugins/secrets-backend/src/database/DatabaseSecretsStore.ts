import type { Knex } from 'knex';
import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type { EncryptedValue } from '../crypto/SecretCipher';
import type {
  LastUsedRecord,
  SecretsStore,
  StoredSecret,
  StoredSecretMetadata,
  StoredVersion,
  WriteResult,
} from './SecretsStore';
import { guardStoreErrors } from './storeErrors';

type Row = {
  name: string;
  /** null: cleared (a tombstone that keeps the version) */
  ciphertext: string | null;
  key_id: string | null;
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
  return { ...toMetadata(row), ciphertext: row.ciphertext };
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e?.code === '23505' || // PostgreSQL unique_violation
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'ER_DUP_ENTRY' ||
    /UNIQUE constraint failed/i.test(e?.message ?? '')
  );
}

/**
 * knex serialises the migrations themselves with its lock table, but two
 * instances starting at once on an empty database race to create that
 * bookkeeping table (PostgreSQL reports a duplicate pg_type row, SQLite
 * "already exists"). The loser only has to try again.
 */
function isBookkeepingRace(error: unknown): boolean {
  const message = String((error as Error)?.message ?? '');
  return (
    message.includes(MIGRATIONS_TABLE) &&
    /already exists|pg_type_typname_nsp_index|duplicate key/i.test(message)
  );
}

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

  #live() {
    return this.db<Row>(TABLE).whereNotNull('ciphertext');
  }

  async listMetadata(): Promise<StoredSecretMetadata[]> {
    return guardStoreErrors('list secrets', async () => {
      const rows = (await this.#live()
        .select(METADATA_COLUMNS)
        .orderBy('name')) as unknown as Array<Omit<LiveRow, 'ciphertext'>>;
      return rows.map(toMetadata);
    });
  }

  async countByKeyId(): Promise<Array<{ keyId: string; count: number }>> {
    return guardStoreErrors('count secrets by key', async () => {
      const rows: Array<{ key_id: string; count: number | string }> =
        await this.#live()
          .select('key_id')
          .count({ count: '*' })
          .groupBy('key_id');
      return rows.map(row => ({
        keyId: String(row.key_id),
        count: Number(row.count),
      }));
    });
  }

  async get(name: string): Promise<StoredSecret | undefined> {
    return guardStoreErrors('read a secret', async () => {
      const row = (await this.#live().where({ name }).first()) as
        | LiveRow
        | undefined;
      return row ? toStored(row) : undefined;
    });
  }

  async getVersion(name: string): Promise<StoredVersion | undefined> {
    return guardStoreErrors('read a secret version', async () => {
      const row = (await this.db<Row>(TABLE)
        .where({ name })
        .first(METADATA_COLUMNS.concat('ciphertext'))) as Row | undefined;
      return row ? this.#versionOf(row) : undefined;
    });
  }

  #versionOf(row: Row): StoredVersion {
    const live = row.ciphertext !== null;
    return {
      version: Number(row.version),
      live,
      metadata: live ? toMetadata(row as LiveRow) : undefined,
    };
  }

  async compareAndSet(options: {
    name: string;
    previous: StoredVersion | undefined;
    version: number;
    encrypted: EncryptedValue;
    actor: string;
    now: string;
  }): Promise<WriteResult> {
    return guardStoreErrors('write a secret', () =>
      this.#compareAndSet(options),
    );
  }

  async #compareAndSet(options: {
    name: string;
    previous: StoredVersion | undefined;
    version: number;
    encrypted: EncryptedValue;
    actor: string;
    now: string;
  }): Promise<WriteResult> {
    const { name, previous, version, encrypted, actor, now } = options;
    if (!previous) {
      const row: LiveRow = {
        name,
        ciphertext: encrypted.ciphertext,
        key_id: encrypted.keyId,
        version,
        created_at: now,
        created_by: actor,
        updated_at: now,
        updated_by: actor,
        last_used_at: null,
        last_used_by: null,
        last_used_on_behalf_of: null,
      };
      try {
        await this.db<Row>(TABLE).insert(row);
        return { ok: true, row: toMetadata(row) };
      } catch (error) {
        if (isUniqueViolation(error)) {
          return { ok: false, currentVersion: await this.#liveVersion(name) };
        }
        throw error;
      }
    }
    // A value set after a clear is a new value: it is created anew.
    const created = previous.metadata ?? {
      createdAt: now,
      createdBy: actor,
    };
    const query = this.db<Row>(TABLE).where({
      name,
      version: previous.version,
    });
    if (previous.live) query.whereNotNull('ciphertext');
    else query.whereNull('ciphertext');
    const updated = await query.update({
      ciphertext: encrypted.ciphertext,
      key_id: encrypted.keyId,
      version,
      created_at: created.createdAt,
      created_by: created.createdBy,
      updated_at: now,
      updated_by: actor,
    });
    if (updated === 1) {
      return {
        ok: true,
        row: {
          ...(previous.metadata ?? { name }),
          keyId: encrypted.keyId,
          version,
          createdAt: created.createdAt,
          createdBy: created.createdBy,
          updatedAt: now,
          updatedBy: actor,
        },
      };
    }
    return { ok: false, currentVersion: await this.#liveVersion(name) };
  }

  async #liveVersion(name: string): Promise<number> {
    const row = await this.#live().where({ name }).first('version');
    return row ? Number(row.version) : 0;
  }

  async listNotUnderKey(options: {
    keyId: string;
    afterName?: string;
    limit: number;
  }): Promise<StoredSecret[]> {
    return guardStoreErrors('list secrets to re-encrypt', async () => {
      const rows = (await this.#live()
        .whereNot('key_id', options.keyId)
        .andWhere('name', '>', options.afterName ?? '')
        .orderBy('name')
        .limit(options.limit)) as LiveRow[];
      return rows.map(toStored);
    });
  }

  async replaceCiphertext(options: {
    name: string;
    version: number;
    fromKeyId: string;
    fromCiphertext: string;
    encrypted: EncryptedValue;
  }): Promise<boolean> {
    return guardStoreErrors('re-encrypt a secret', async () => {
      const updated = await this.db(TABLE)
        .where({
          name: options.name,
          version: options.version,
          key_id: options.fromKeyId,
          ciphertext: options.fromCiphertext,
        })
        .update({
          ciphertext: options.encrypted.ciphertext,
          key_id: options.encrypted.keyId,
        });
      return updated === 1;
    });
  }

  async clear(
    name: string,
    options: { actor: string; now: string },
  ): Promise<boolean> {
    return guardStoreErrors('clear a secret', async () => {
      const updated = await this.#live().where({ name }).update({
        ciphertext: null,
        key_id: null,
        updated_at: options.now,
        updated_by: options.actor,
      });
      return updated > 0;
    });
  }

  async recordLastUsed(records: LastUsedRecord[]): Promise<void> {
    return guardStoreErrors('record last use', async () => {
      // One transaction per flush: on SQLite, a commit (and its fsync) per
      // row would stall the event loop for the whole batch.
      await this.db.transaction(async tx => {
        for (const record of records) {
          await tx(TABLE)
            .where('name', record.name)
            .andWhere(q =>
              q
                .whereNull('last_used_at')
                .orWhere('last_used_at', '<', record.at),
            )
            .update({
              last_used_at: record.at,
              last_used_by: record.by,
              last_used_on_behalf_of: record.onBehalfOf ?? null,
            });
        }
      });
    });
  }
}
