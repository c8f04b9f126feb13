import type { EncryptedValue } from '../crypto';

/** A stored value's row, as the store hands it out. */
export interface StoredSecret {
  name: string;
  keyId: string;
  ciphertext: string;
  /** the key provider that wrapped the data key; absent before envelope encryption */
  provider?: string;
  /** base64 of the wrapped data key */
  wrappedKey?: string;
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
export type StoredSecretMetadata = Omit<
  StoredSecret,
  'ciphertext' | 'wrappedKey'
>;

/**
 * What a writer needs to know about a name before it writes: the last
 * version ever stored (a cleared secret keeps it, so versions are never
 * reused) and whether a value is stored now.
 */
export interface StoredVersion {
  version: number;
  /** false: the value was cleared; the row only keeps the version */
  live: boolean;
  /** metadata of the live value, when there is one */
  metadata?: StoredSecretMetadata;
}

/**
 * One recorded version of a shared secret: the ciphertext it was stored
 * with (bound to name and version) and who wrote it when.
 */
export interface StoredHistoryVersion {
  name: string;
  version: number;
  keyId: string;
  ciphertext: string;
  provider?: string;
  wrappedKey?: string;
  createdAt: string;
  createdBy: string;
  /** when a restore wrote this version: the version it copied */
  restoredFrom?: number;
}

/** The outcome of a compare-and-set write. */
export type WriteResult =
  | { ok: true; row: StoredSecretMetadata }
  | { ok: false; currentVersion: number };

/** A last-used record waiting to be flushed. */
export interface LastUsedRecord {
  name: string;
  at: string;
  by: string;
  onBehalfOf?: string;
}

/**
 * A re-encryption of one row (a current value or a history version): the
 * new ciphertext replaces the old only while the row is still exactly the
 * one that was read.
 */
export interface CiphertextReplacement {
  name: string;
  version: number;
  fromKeyId: string;
  fromCiphertext: string;
  /** the wrapped data key as read; absent: written before envelope encryption */
  fromWrappedKey?: string;
  encrypted: EncryptedValue;
}

/** Rows per key: a provider's key, or (no provider) a configured key that encrypted rows before envelope encryption. */
export interface KeyCount {
  provider?: string;
  keyId: string;
  count: number;
}

/**
 * One page of the re-wrap pass's work list: the rows whose data key is not
 * wrapped by `provider`'s key `keyId` (or that have no data key yet), in
 * key order, after the `after` cursor (the last row of the previous page;
 * none for the first page).
 */
export interface NotUnderKeyPage<Cursor> {
  /** default `local` */
  provider?: string;
  keyId: string;
  after?: Cursor;
  limit: number;
}

/**
 * Where encrypted values and their metadata live. Every write is
 * compare-and-set, so concurrent writers (several replicas, the rotation
 * task) never overwrite each other silently. Errors never quote the
 * database's message (it would carry bound values: ciphertext, key ids).
 */
/** Who clears, when, and the version they expect to clear (optional). */
export interface ClearOptions {
  actor: string;
  now: string;
  expectedVersion?: number;
}

export interface SecretsStore {
  /** Every stored value's metadata (cleared ones excluded), in one query. */
  listMetadata(): Promise<StoredSecretMetadata[]>;
  /** How many stored values each key encrypts. */
  countByKeyId(): Promise<KeyCount[]>;
  /** The stored value's row, or undefined when unset or cleared. */
  get(name: string): Promise<StoredSecret | undefined>;
  /** The version bookkeeping of a name; undefined when it was never stored. */
  getVersion(name: string): Promise<StoredVersion | undefined>;
  /**
   * Writes `version` (the next one after `previous`) if the row is still
   * the one the caller read (or still absent).
   */
  compareAndSet(options: {
    name: string;
    previous: StoredVersion | undefined;
    version: number;
    encrypted: EncryptedValue;
    actor: string;
    now: string;
    /**
     * The version is recorded in history in the same transaction, and
     * versions beyond the newest `keep` (default 10) are dropped.
     */
    history?: { keep?: number; restoredFrom?: number };
  }): Promise<WriteResult>;
  /** The next stored values not under `keyId` (by name). */
  listNotUnderKey(
    options: NotUnderKeyPage<{ name: string }>,
  ): Promise<StoredSecret[]>;
  /**
   * Replaces a value's ciphertext with one under another key, only if the
   * row is still exactly the one that was read (version, key and
   * ciphertext). Metadata stays as it is. True when replaced.
   */
  replaceCiphertext(options: CiphertextReplacement): Promise<boolean>;
  /**
   * Clears the stored value, keeping the row's version as a tombstone.
   * `existed`: a value was stored. With `expectedVersion` (0: no value),
   * nothing changes unless the live version is that one; `conflict` then
   * holds the live version (0: none).
   */
  clear(
    name: string,
    options: ClearOptions,
  ): Promise<{ existed: boolean; conflict?: number }>;
  /**
   * Clears the stored value (keeping the tombstone, so versions never
   * repeat) and removes every recorded version of it, in one transaction;
   * `expectedVersion` as for clear.
   */
  purge(
    name: string,
    options: ClearOptions,
  ): Promise<{ existed: boolean; versions: number; conflict?: number }>;
  /** A name's recorded versions, newest first. */
  listVersions(name: string): Promise<StoredHistoryVersion[]>;
  /** One recorded version, or undefined when it was never kept or is gone. */
  getHistoryVersion(
    name: string,
    version: number,
  ): Promise<StoredHistoryVersion | undefined>;
  /** How many history rows each key encrypts. */
  countHistoryByKeyId(): Promise<KeyCount[]>;
  /** The next history rows not under `keyId` (by name, then version). */
  listHistoryNotUnderKey(
    options: NotUnderKeyPage<{ name: string; version: number }>,
  ): Promise<StoredHistoryVersion[]>;
  /** replaceCiphertext, for a history row. */
  replaceHistoryCiphertext(options: CiphertextReplacement): Promise<boolean>;
  /** Writes last-used records, never moving a timestamp backwards. */
  recordLastUsed(records: LastUsedRecord[]): Promise<void>;
}
