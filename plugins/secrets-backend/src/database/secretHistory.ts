import type { Knex } from 'knex';
import type { EncryptedValue } from '../crypto';
import type {
  KeyCount,
  NotUnderKeyPage,
  StoredHistoryVersion,
} from './SecretsStore';
import {
  countByKeyId,
  envelopeColumns,
  envelopeOf,
  notUnderKey,
  replaceExactCiphertext,
} from './versionedRows';

/**
 * The `secret_versions` table: the last versions of each shared secret,
 * with the very ciphertext the `secrets` row got (the associated data binds
 * name and version, so a row moved to another name or version fails to
 * decrypt). Every function takes the transaction of the write it belongs
 * to, so a value and its history never disagree.
 */
export const HISTORY_TABLE = 'secret_versions';

type HistoryRow = {
  name: string;
  version: number | string;
  ciphertext: string;
  key_id: string;
  key_provider?: string | null;
  wrapped_key?: string | null;
  created_at: string;
  created_by: string;
  restored_from: number | string | null;
};

function toHistoryVersion(row: HistoryRow): StoredHistoryVersion {
  return {
    name: row.name,
    version: Number(row.version),
    keyId: row.key_id,
    ciphertext: row.ciphertext,
    ...envelopeOf(row),
    createdAt: row.created_at,
    createdBy: row.created_by,
    ...(row.restored_from === null
      ? {}
      : { restoredFrom: Number(row.restored_from) }),
  };
}

/**
 * Records a version just written, then drops the versions of that name
 * beyond the newest `keep`.
 */
export async function recordVersion(
  tx: Knex.Transaction,
  entry: {
    name: string;
    version: number;
    encrypted: EncryptedValue;
    createdAt: string;
    createdBy: string;
    restoredFrom?: number;
    keep: number;
  },
): Promise<void> {
  const { name, version, encrypted, keep } = entry;
  await tx(HISTORY_TABLE).insert({
    name,
    version,
    ...envelopeColumns(encrypted),
    created_at: entry.createdAt,
    created_by: entry.createdBy,
    restored_from: entry.restoredFrom ?? null,
  });
  // The newest version beyond `keep`; it and everything older go.
  const beyond = await tx(HISTORY_TABLE)
    .where({ name })
    .orderBy('version', 'desc')
    .offset(keep)
    .first('version');
  if (beyond) {
    await tx(HISTORY_TABLE)
      .where({ name })
      .andWhere('version', '<=', Number(beyond.version))
      .delete();
  }
}

/** A name's versions, newest first. */
export async function listVersions(
  db: Knex,
  name: string,
): Promise<StoredHistoryVersion[]> {
  const rows: HistoryRow[] = await db(HISTORY_TABLE)
    .where({ name })
    .orderBy('version', 'desc');
  return rows.map(toHistoryVersion);
}

export async function getVersion(
  db: Knex,
  name: string,
  version: number,
): Promise<StoredHistoryVersion | undefined> {
  const row: HistoryRow | undefined = await db(HISTORY_TABLE)
    .where({ name, version })
    .first();
  return row ? toHistoryVersion(row) : undefined;
}

/** Removes every version of a name; how many there were. */
export async function deleteVersions(
  tx: Knex.Transaction,
  name: string,
): Promise<number> {
  return await tx(HISTORY_TABLE).where({ name }).delete();
}

/** How many history rows each key encrypts. */
export async function countVersionsByKeyId(db: Knex): Promise<KeyCount[]> {
  return countByKeyId(db(HISTORY_TABLE));
}

/**
 * The next history rows (by name, then version, after `after`) not under
 * `keyId`: the work list of key rotation.
 */
export async function listVersionsNotUnderKey(
  db: Knex,
  options: NotUnderKeyPage<{ name: string; version: number }>,
): Promise<StoredHistoryVersion[]> {
  const { after } = options;
  const query = notUnderKey(db(HISTORY_TABLE), options);
  if (after) {
    query.andWhere(q =>
      q
        .where('name', '>', after.name)
        .orWhere(same =>
          same
            .where('name', after.name)
            .andWhere('version', '>', after.version),
        ),
    );
  }
  const rows: HistoryRow[] = await query
    .orderBy([
      { column: 'name', order: 'asc' },
      { column: 'version', order: 'asc' },
    ])
    .limit(options.limit);
  return rows.map(toHistoryVersion);
}

/**
 * Replaces a history row's ciphertext with one under another key, only if
 * the row is still exactly the one that was read.
 */
export async function replaceVersionCiphertext(
  db: Knex,
  options: {
    name: string;
    version: number;
    fromKeyId: string;
    fromCiphertext: string;
    fromWrappedKey?: string;
    encrypted: EncryptedValue;
  },
): Promise<boolean> {
  const { name, ...rest } = options;
  return replaceExactCiphertext(db, HISTORY_TABLE, { key: { name }, ...rest });
}
