import type { Knex } from 'knex';
import type { EncryptedValue } from '../crypto';
import type { KeyCount, StoredVersion } from './SecretsStore';

/**
 * What the two tables of encrypted values (`secrets`, keyed by name, and
 * `user_secrets`, keyed by name and user) have in common: a row is live
 * while it has a ciphertext and a tombstone (which keeps the version)
 * once cleared; every write is compare-and-set.
 */
export type RowKey = Record<string, string>;

export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e?.code === '23505' || // PostgreSQL unique_violation
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'ER_DUP_ENTRY' ||
    /UNIQUE constraint failed/i.test(e?.message ?? '')
  );
}

/** The rows that hold a value (not cleared). */
export function liveRows(db: Knex, table: string) {
  return db(table).whereNotNull('ciphertext');
}

/** How many live rows each key encrypts. */
export async function countLiveByKeyId(
  db: Knex,
  table: string,
): Promise<KeyCount[]> {
  return countByKeyId(liveRows(db, table));
}

/** Rows per provider and key id of a query's rows. */
export async function countByKeyId(
  rows: Knex.QueryBuilder,
): Promise<KeyCount[]> {
  const counts: Array<{
    key_id: string;
    key_provider: string | null;
    count: number | string;
  }> = await rows
    .select('key_provider', 'key_id')
    .count({ count: '*' })
    .groupBy('key_provider', 'key_id');
  return counts.map(row => ({
    ...(row.key_provider ? { provider: row.key_provider } : {}),
    keyId: String(row.key_id),
    count: Number(row.count),
  }));
}

/** The columns that hold an encrypted value. */
export function envelopeColumns(encrypted: EncryptedValue) {
  return {
    ciphertext: encrypted.ciphertext,
    key_id: encrypted.keyId,
    key_provider: encrypted.provider ?? null,
    wrapped_key: encrypted.wrappedKey ?? null,
  };
}

/** A row's provider and wrapped key, when it has them (envelope encryption). */
export function envelopeOf(row: {
  key_provider?: string | null;
  wrapped_key?: string | null;
}): Pick<EncryptedValue, 'provider' | 'wrappedKey'> {
  return {
    ...(row.key_provider ? { provider: row.key_provider } : {}),
    ...(row.wrapped_key ? { wrappedKey: row.wrapped_key } : {}),
  };
}

/**
 * Narrows a query to the rows the re-wrap pass still has to move. Target
 * `local` (the default): rows with a data key, or under another configured
 * key. Another provider: rows without a data key, or with one wrapped by
 * another provider or key.
 */
export function notUnderKey<Q extends Knex.QueryBuilder>(
  query: Q,
  target: { provider?: string; keyId: string },
): Q {
  const provider = target.provider ?? 'local';
  return query.andWhere(q =>
    provider === 'local'
      ? q.whereNotNull('wrapped_key').orWhereNot('key_id', target.keyId)
      : q
          .whereNull('wrapped_key')
          .orWhereNot('key_provider', provider)
          .orWhereNot('key_id', target.keyId),
  ) as Q;
}

/** The live version of a row; 0 when unset or cleared. */
export async function liveVersion(
  db: Knex,
  table: string,
  key: RowKey,
): Promise<number> {
  const row = await liveRows(db, table).where(key).first('version');
  return row ? Number(row.version) : 0;
}

/**
 * Writes `version` if the row is still the one the caller read: absent
 * (insert), or at `previous.version`, live or cleared as read (update).
 * Returns whether it wrote; false means another writer got there first.
 */
export async function writeVersion(
  db: Knex,
  table: string,
  options: {
    key: RowKey;
    previous: StoredVersion | undefined;
    version: number;
    encrypted: EncryptedValue;
    /** columns of a new row besides key, value and version */
    insert: Record<string, unknown>;
    /** columns an update sets besides value and version */
    update: Record<string, unknown>;
  },
): Promise<boolean> {
  const { key, previous, version, encrypted } = options;
  const value = { ...envelopeColumns(encrypted), version };
  if (!previous) {
    try {
      await db(table).insert({ ...key, ...value, ...options.insert });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }
  const query = db(table).where({ ...key, version: previous.version });
  if (previous.live) query.whereNotNull('ciphertext');
  else query.whereNull('ciphertext');
  return (await query.update({ ...value, ...options.update })) === 1;
}

/**
 * Replaces a value's ciphertext and wrapped data key with others, only if
 * the row is still exactly the one that was read (version, key, wrapped key
 * and ciphertext).
 */
export async function replaceExactCiphertext(
  db: Knex,
  table: string,
  options: {
    key: RowKey;
    version: number;
    fromKeyId: string;
    fromCiphertext: string;
    fromWrappedKey?: string;
    encrypted: EncryptedValue;
  },
): Promise<boolean> {
  const query = db(table).where({
    ...options.key,
    version: options.version,
    key_id: options.fromKeyId,
    ciphertext: options.fromCiphertext,
  });
  if (options.fromWrappedKey)
    query.where('wrapped_key', options.fromWrappedKey);
  else query.whereNull('wrapped_key');
  const updated = await query.update(envelopeColumns(options.encrypted));
  return updated === 1;
}

/** Clears a live value, keeping the row's version. True when one was live. */
export async function clearLive(
  db: Knex,
  table: string,
  key: RowKey,
  columns: Record<string, unknown>,
): Promise<boolean> {
  const updated = await liveRows(db, table)
    .where(key)
    .update({
      ciphertext: null,
      key_id: null,
      key_provider: null,
      wrapped_key: null,
      ...columns,
    });
  return updated > 0;
}

/**
 * Writes a batch of last-use records in one transaction (on SQLite a
 * commit per row would stall the event loop for the whole batch), never
 * moving a timestamp backwards: another instance may have flushed a later
 * read.
 */
export async function recordLastUse(
  db: Knex,
  table: string,
  uses: Array<{ key: RowKey; at: string; columns: Record<string, unknown> }>,
): Promise<void> {
  await db.transaction(async tx => {
    for (const use of uses) {
      await tx(table)
        .where(use.key)
        .andWhere(q =>
          q.whereNull('last_used_at').orWhere('last_used_at', '<', use.at),
        )
        .update({ last_used_at: use.at, ...use.columns });
    }
  });
}
