import {
  createCipheriv,
  createSecretKey,
  createDecipheriv,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { contextData, keyContext, type ValueOwner } from './keyContext';
import type { Keyring } from './Keyring';

/** The id of the built-in key provider (LocalKeyProvider). */
export const LOCAL_PROVIDER_ID = 'local';

const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12; // 96 bits, the size GCM is designed for
const TAG_BYTES = 16;
/** Bumped if the envelope or the associated data ever change. */
const ENVELOPE_VERSION = 'v1';

/** What is stored for one value: never the plaintext. */
export interface EncryptedValue {
  /**
   * The key that protects the value: with `provider`, the provider's key
   * that wrapped the data key; without, a key of secrets.encryption.keys
   * that encrypted the value directly (rows written before envelope
   * encryption).
   */
  keyId: string;
  /** base64 of nonce ‖ ciphertext ‖ tag */
  ciphertext: string;
  /** The key provider that wrapped the row's data key (envelope encryption). */
  provider?: string;
  /** base64 of the row's data key as the provider wrapped it. */
  wrappedKey?: string;
}

/** Why a stored value could not be decrypted; never contains the value. */
export class SecretDecryptionError extends Error {
  name = 'SecretDecryptionError';
}

/**
 * The associated data binds a ciphertext to its row: a ciphertext copied to
 * another name, or replayed at another version, fails authentication. A
 * user's own value also binds its owner (and has its own prefix, so it can
 * never pass for a shared value): copied to another user, it fails too. An
 * entity's own value binds the entity ref under a prefix of its own: copied
 * to another entity, or passed off as a user's or a shared value, it fails.
 */
export function associatedData(
  name: string,
  version: number,
  owner?: ValueOwner,
): Buffer {
  if (owner === undefined) {
    return Buffer.from(
      `backstage-secrets:${ENVELOPE_VERSION}:${name}:${version}`,
    );
  }
  return Buffer.from(
    typeof owner === 'string'
      ? `backstage-secrets:${ENVELOPE_VERSION}:user:${name}:${version}:${owner}`
      : `backstage-secrets:${ENVELOPE_VERSION}:entity:${name}:${version}:${owner.entityRef}`,
  );
}

/**
 * What the parts that read and write values need of a cipher: the
 * envelope cipher (async: a key provider may be called), or the
 * synchronous SecretCipher over the configured keys (tests, tools).
 */
export interface ValueCipher {
  encrypt(
    name: string,
    version: number,
    plaintext: string,
    owner?: ValueOwner,
  ): EncryptedValue | Promise<EncryptedValue>;
  decrypt(
    name: string,
    version: number,
    stored: EncryptedValue,
    owner?: ValueOwner,
  ): string | Promise<string>;
  canDecryptWith(stored: { keyId: string; provider?: string }): boolean;
}

/**
 * AES-256-GCM with a fresh random 96-bit nonce per write, directly under
 * the primary configured key (the format before envelope encryption). It
 * also decrypts rows of the `local` key provider (their data key is
 * wrapped by a configured key), synchronously.
 */
export class SecretCipher {
  constructor(private readonly keyring: Keyring) {}

  /** Encrypts a value for a shared secret, or for `owner`'s own value. */
  encrypt(
    name: string,
    version: number,
    plaintext: string,
    owner?: ValueOwner,
  ): EncryptedValue {
    const { id, key } = this.keyring.primary;
    return {
      keyId: id,
      ciphertext: seal(
        key,
        associatedData(name, version, owner),
        Buffer.from(plaintext, 'utf8'),
      ).toString('base64'),
    };
  }

  /** Whether a row under this key id (of secrets.encryption.keys) can be decrypted at all. */
  canDecryptWith(
    stored: string | { keyId: string; provider?: string },
  ): boolean {
    const { keyId, provider } =
      typeof stored === 'string'
        ? { keyId: stored, provider: undefined }
        : stored;
    return (
      (provider === undefined || provider === LOCAL_PROVIDER_ID) &&
      this.keyring.get(keyId) !== undefined
    );
  }

  decrypt(
    name: string,
    version: number,
    stored: EncryptedValue,
    owner?: ValueOwner,
  ): string {
    const entry = this.keyring.get(stored.keyId);
    if (!entry) {
      throw new SecretDecryptionError(
        `Secret ${name} is encrypted with key '${stored.keyId}', which is not configured in secrets.encryption.keys. Add that key back (after the primary) or set the secret again.`,
      );
    }
    if (stored.provider === undefined && stored.wrappedKey === undefined) {
      return openValue(entry.key, name, version, stored, owner);
    }
    if (stored.provider !== LOCAL_PROVIDER_ID || !stored.wrappedKey) {
      throw new SecretDecryptionError(
        `Secret ${name}'s data key was wrapped by key provider '${stored.provider}', not by secrets.encryption.keys.`,
      );
    }
    const dataKey = unseal(
      entry.key,
      contextData(keyContext(name, owner)),
      Buffer.from(stored.wrappedKey, 'base64'),
    );
    if (!dataKey) {
      throw new SecretDecryptionError(
        `Secret ${name} cannot be decrypted with key '${stored.keyId}': its data key does not unwrap (it belongs to another secret, or was altered). Set the secret again.`,
      );
    }
    const key = createSecretKey(dataKey);
    dataKey.fill(0);
    return openValue(key, name, version, stored, owner);
  }
}

/** AES-256-GCM with a fresh nonce: nonce ‖ ciphertext ‖ tag. */
export function seal(key: KeyObject, aad: Buffer, plaintext: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, {
    authTagLength: TAG_BYTES,
  });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** Opens what seal made; undefined when it fails authentication. */
export function unseal(
  key: KeyObject,
  aad: Buffer,
  sealed: Buffer,
): Buffer | undefined {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv(
      ALGORITHM,
      key,
      sealed.subarray(0, NONCE_BYTES),
      { authTagLength: TAG_BYTES },
    );
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    return undefined;
  }
}

/**
 * Decrypts a stored value with the key that encrypted it (a configured key,
 * or the row's data key), bound to its name, version and owner.
 */
export function openValue(
  key: KeyObject,
  name: string,
  version: number,
  stored: EncryptedValue,
  owner?: ValueOwner,
): string {
  const envelope = Buffer.from(stored.ciphertext, 'base64');
  if (envelope.length < NONCE_BYTES + TAG_BYTES) {
    throw new SecretDecryptionError(
      `Secret ${name} cannot be decrypted: the stored ciphertext is truncated. Set the secret again.`,
    );
  }
  const plaintext = unseal(key, associatedData(name, version, owner), envelope);
  if (!plaintext) {
    // GCM authentication failed: tampered, wrong key, or moved to another
    // name or version. Say so without any detail of the bytes.
    throw new SecretDecryptionError(
      `Secret ${name} cannot be decrypted with key '${stored.keyId}': the stored value fails authentication (it was altered, copied from another secret, or encrypted with a different key of the same id). Set the secret again.`,
    );
  }
  return plaintext.toString('utf8');
}
