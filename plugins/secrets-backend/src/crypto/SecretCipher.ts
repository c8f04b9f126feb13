import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from './Keyring';

const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12; // 96 bits, the size GCM is designed for
const TAG_BYTES = 16;
/** Bumped if the envelope or the associated data ever change. */
const ENVELOPE_VERSION = 'v1';

/** What is stored for one value: never the plaintext. */
export interface EncryptedValue {
  keyId: string;
  /** base64 of nonce ‖ ciphertext ‖ tag */
  ciphertext: string;
}

/** Why a stored value could not be decrypted; never contains the value. */
export class SecretDecryptionError extends Error {
  name = 'SecretDecryptionError';
}

/**
 * The associated data binds a ciphertext to its row: a ciphertext copied to
 * another name, or replayed at another version, fails authentication. A
 * user's own value also binds its owner (and has its own prefix, so it can
 * never pass for a shared value): copied to another user, it fails too.
 */
function associatedData(name: string, version: number, owner?: string): Buffer {
  return Buffer.from(
    owner === undefined
      ? `backstage-secrets:${ENVELOPE_VERSION}:${name}:${version}`
      : `backstage-secrets:${ENVELOPE_VERSION}:user:${name}:${version}:${owner}`,
  );
}

/** AES-256-GCM with a fresh random 96-bit nonce per write. */
export class SecretCipher {
  constructor(private readonly keyring: Keyring) {}

  /** Encrypts a value for a shared secret, or for `owner`'s own value. */
  encrypt(
    name: string,
    version: number,
    plaintext: string,
    owner?: string,
  ): EncryptedValue {
    const { id, key } = this.keyring.primary;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, nonce, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(associatedData(name, version, owner));
    const body = Buffer.concat([
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
    ]);
    return {
      keyId: id,
      ciphertext: Buffer.concat([nonce, body, cipher.getAuthTag()]).toString(
        'base64',
      ),
    };
  }

  /** Whether a row under this key id can be decrypted at all. */
  canDecryptWith(keyId: string): boolean {
    return this.keyring.get(keyId) !== undefined;
  }

  decrypt(
    name: string,
    version: number,
    stored: EncryptedValue,
    owner?: string,
  ): string {
    const entry = this.keyring.get(stored.keyId);
    if (!entry) {
      throw new SecretDecryptionError(
        `Secret ${name} is encrypted with key '${stored.keyId}', which is not configured in secrets.encryption.keys. Add that key back (after the primary) or set the secret again.`,
      );
    }
    const envelope = Buffer.from(stored.ciphertext, 'base64');
    if (envelope.length < NONCE_BYTES + TAG_BYTES) {
      throw new SecretDecryptionError(
        `Secret ${name} cannot be decrypted: the stored ciphertext is truncated. Set the secret again.`,
      );
    }
    const nonce = envelope.subarray(0, NONCE_BYTES);
    const tag = envelope.subarray(envelope.length - TAG_BYTES);
    const body = envelope.subarray(NONCE_BYTES, envelope.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv(ALGORITHM, entry.key, nonce, {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(associatedData(name, version, owner));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      // GCM authentication failed: tampered, wrong key, or moved to another
      // name or version. Say so without any detail of the bytes.
      throw new SecretDecryptionError(
        `Secret ${name} cannot be decrypted with key '${stored.keyId}': the stored value fails authentication (it was altered, copied from another secret, or encrypted with a different key of the same id). Set the secret again.`,
      );
    }
  }
}
