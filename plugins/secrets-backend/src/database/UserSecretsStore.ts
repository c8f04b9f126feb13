import type { EncryptedValue } from '../crypto';
import type { KeyCount, NotUnderKeyPage, StoredVersion } from './SecretsStore';

/** A user's stored value, as the store hands it out. */
export interface StoredUserSecret {
  name: string;
  userRef: string;
  keyId: string;
  ciphertext: string;
  /** the key provider that wrapped the data key; absent before envelope encryption */
  provider?: string;
  /** base64 of the wrapped data key */
  wrappedKey?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  lastUsedAt?: string;
  /** `plugin:<id>` */
  lastUsedBy?: string;
}

/** Metadata of a user's stored value: never the ciphertext. */
export type StoredUserSecretMetadata = Omit<
  StoredUserSecret,
  'ciphertext' | 'wrappedKey'
>;

/** A user's permission for a plugin to use their value. */
export interface StoredGrant {
  name: string;
  pluginId: string;
  allowed: boolean;
}

/** A use of a user's value, waiting to be flushed. */
export interface UserLastUsedRecord {
  name: string;
  userRef: string;
  at: string;
  /** `plugin:<id>` */
  by: string;
}

/**
 * Where users' own values and grants live. Like the shared store: writes are
 * compare-and-set, cleared values keep their version, and errors carry the
 * operation and error code only.
 */
export interface UserSecretsStore {
  /** A user's stored values (cleared ones excluded), metadata only. */
  listForUser(userRef: string): Promise<StoredUserSecretMetadata[]>;
  /** A user's grants, for every secret. */
  grantsOf(userRef: string): Promise<StoredGrant[]>;
  /** Every (secret, plugin) pair that some user allowed or refused. */
  listGrantedPlugins(): Promise<Array<{ name: string; pluginId: string }>>;
  /** Deletes every user's grant of a plugin for a secret; the count. */
  deleteGrants(name: string, pluginId: string): Promise<number>;
  /** Whether a user allows a plugin to use their value of a secret. */
  isAllowed(name: string, userRef: string, pluginId: string): Promise<boolean>;
  /** Sets a user's grant for a plugin. */
  setGrant(options: {
    name: string;
    userRef: string;
    pluginId: string;
    allowed: boolean;
    now: string;
  }): Promise<void>;
  /** A user's stored value, or undefined when unset or cleared. */
  get(name: string, userRef: string): Promise<StoredUserSecret | undefined>;
  getVersion(name: string, userRef: string): Promise<StoredVersion | undefined>;
  compareAndSet(options: {
    name: string;
    userRef: string;
    previous: StoredVersion | undefined;
    version: number;
    encrypted: EncryptedValue;
    now: string;
  }): Promise<
    | { ok: true; row: StoredUserSecretMetadata }
    | { ok: false; currentVersion: number }
  >;
  /** Clears a user's value (keeping its version). True when one was stored. */
  clear(name: string, userRef: string, now: string): Promise<boolean>;
  /** How many users have a value, per secret name. */
  countUsersByName(): Promise<Map<string, number>>;
  countByKeyId(): Promise<KeyCount[]>;
  /** The next stored values not under `keyId` (by name, then user). */
  listNotUnderKey(
    options: NotUnderKeyPage<{ name: string; userRef: string }>,
  ): Promise<StoredUserSecret[]>;
  /** Re-encrypts a value only if the row is exactly the one that was read. */
  replaceCiphertext(options: {
    name: string;
    userRef: string;
    version: number;
    fromKeyId: string;
    fromWrappedKey?: string;
    fromCiphertext: string;
    encrypted: EncryptedValue;
  }): Promise<boolean>;
  recordLastUsed(records: UserLastUsedRecord[]): Promise<void>;
  /**
   * Every user who owns a stored row or a grant, with when they were first
   * found missing from the catalog (only users with rows are marked).
   */
  listOwners(): Promise<
    Array<{ userRef: string; hasRows: boolean; missingSince?: string }>
  >;
  /** Marks owners missing from the catalog (keeps an earlier mark), or found again. */
  markOwners(options: {
    missing: string[];
    found: string[];
    now: string;
  }): Promise<void>;
  /** Deletes everything of a user: values, tombstones and grants. */
  deleteOwner(userRef: string): Promise<{ values: number }>;
}
