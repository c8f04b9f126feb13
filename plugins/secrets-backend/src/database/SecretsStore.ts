import type { Knex } from 'knex';
import type { EncryptedValue } from '../crypto/SecretCipher';

/** A stored row, as the store hands it out. */
export interface StoredSecret {
  name: string;
  keyId: string;
  ciphertext: string;
  version: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  lastUsedAt?: string;
  lastUsedBy?: string;
  lastUsedOnBehalfOf?: string;
}

/** Stored metadata only: what the list needs, never the ciphertext. */
export type StoredSecretMetadata = Omit<StoredSecret, 'ciphertext'>;

/** The outcome of a compare-and-set write. */
export type WriteResult =
  | { ok: true; row: StoredSecret }
  | { ok: false; currentVersion: number };

/** A last-used record waiting to be flushed. */
export interface LastUsedRecord {
  name: string;
  at: string;
  by: string;
  onBehalfOf?: string;
}

type Row = {
  name: string;
  ciphertext: string;
  key_id: string;
  version: number | string;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
  last_used_at: string | null;
  last_used_by: string | null;
  last_used_on_behalf_of: string | null;
};

const TABLE = 'secrets';
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

function toMetadata(row: Omit<Row, 'ciphertext'>): StoredSecretMetadata {
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

function toStored(row: Row): StoredSecret {
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
 * The `secrets` table. Writes are compare-and-set on the version, so two
 * writers never overwrite each other silently, on SQLite and PostgreSQL
 * alike, without holding locks across the encryption.
 */
export class SecretsStore {
  constructor(private readonly db: Knex) {}

  /** Every stored row's metadata, in one query. */
  async listMetadata(): Promise<StoredSecretMetadata[]> {
    const rows: Array<Omit<Row, 'ciphertext'>> = await this.db(TABLE)
      .select(METADATA_COLUMNS)
      .orderBy('name');
    return rows.map(toMetadata);
  }

  /** How many rows each key encrypts. */
  async countByKeyId(): Promise<Array<{ keyId: string; count: number }>> {
    const rows: Array<{ key_id: string; count: number | string }> =
      await this.db(TABLE)
        .select('key_id')
        .count({ count: '*' })
        .groupBy('key_id');
    return rows.map(row => ({
      keyId: String(row.key_id),
      count: Number(row.count),
    }));
  }

  async get(name: string): Promise<StoredSecret | undefined> {
    const row = await this.db<Row>(TABLE).where({ name }).first();
    return row ? toStored(row) : undefined;
  }

  async getVersion(name: string): Promise<number> {
    const row = await this.db<Row>(TABLE).where({ name }).first('version');
    return row ? Number(row.version) : 0;
  }

  /**
   * Writes the next version if the stored row is still the one the caller
   * read (or still absent). Returns the current version otherwise.
   */
  async compareAndSet(options: {
    name: string;
    /** The row the caller read, if any: its version is the expected one. */
    previous: StoredSecretMetadata | undefined;
    encrypted: EncryptedValue;
    actor: string;
    now: string;
  }): Promise<WriteResult> {
    const { name, previous, encrypted, actor, now } = options;
    const previousVersion = previous?.version ?? 0;
    const version = previousVersion + 1;
    if (!previous) {
      const row: Row = {
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
        return { ok: true, row: toStored(row) };
      } catch (error) {
        if (isUniqueViolation(error)) {
          return { ok: false, currentVersion: await this.getVersion(name) };
        }
        throw error;
      }
    }
    const updated = await this.db<Row>(TABLE)
      .where({ name, version: previousVersion })
      .update({
        ciphertext: encrypted.ciphertext,
        key_id: encrypted.keyId,
        version,
        updated_at: now,
        updated_by: actor,
      });
    if (updated === 1) {
      return {
        ok: true,
        row: {
          ...previous,
          keyId: encrypted.keyId,
          ciphertext: encrypted.ciphertext,
          version,
          updatedAt: now,
          updatedBy: actor,
        },
      };
    }
    return { ok: false, currentVersion: await this.getVersion(name) };
  }

  /**
   * The next rows (by name, after `afterName`) that are not encrypted with
   * `keyId`: the work list of key rotation.
   */
  async listNotUnderKey(options: {
    keyId: string;
    afterName?: string;
    limit: number;
  }): Promise<StoredSecret[]> {
    const rows: Row[] = await this.db<Row>(TABLE)
      .whereNot('key_id', options.keyId)
      .andWhere('name', '>', options.afterName ?? '')
      .orderBy('name')
      .limit(options.limit);
    return rows.map(toStored);
  }

  /**
   * Replaces a row's ciphertext with one under another key, only if the row
   * is still the one that was read (same version and key): a write that
   * happened meanwhile is never overwritten. Metadata stays as it is.
   */
  async replaceCiphertext(options: {
    name: string;
    version: number;
    fromKeyId: string;
    encrypted: EncryptedValue;
  }): Promise<boolean> {
    const updated = await this.db(TABLE)
      .where({
        name: options.name,
        version: options.version,
        key_id: options.fromKeyId,
      })
      .update({
        ciphertext: options.encrypted.ciphertext,
        key_id: options.encrypted.keyId,
      });
    return updated === 1;
  }

  /** Deletes the row; true when there was one. */
  async delete(name: string): Promise<boolean> {
    return (await this.db(TABLE).where({ name }).delete()) > 0;
  }

  /**
   * Writes last-used records, one statement per secret, never moving a
   * timestamp backwards (another instance may have flushed a later read).
   */
  async recordLastUsed(records: LastUsedRecord[]): Promise<void> {
    // One transaction per flush: on SQLite, a commit (and its fsync) per
    // row would stall the event loop for the whole batch.
    await this.db.transaction(async tx => {
      for (const record of records) {
        await tx(TABLE)
          .where('name', record.name)
          .andWhere(q =>
            q.whereNull('last_used_at').orWhere('last_used_at', '<', record.at),
          )
          .update({
            last_used_at: record.at,
            last_used_by: record.by,
            last_used_on_behalf_of: record.onBehalfOf ?? null,
          });
      }
    });
  }
}
