import { randomBytes } from 'node:crypto';

/** Every key is 32 random bytes (AES-256). */
export const KEY_BYTES = 32;

/** What an operator runs to get a key; quoted in every key error. */
export const GENERATE_KEY_HINT =
  'Generate one with `npx @backstage-secrets/plugin-secrets-backend generate-key` ' +
  "(or `node -e \"console.log(require('crypto').randomBytes(32).toString('base64url'))\"`) " +
  'and configure it as secrets.encryption.keys: [{ id, secret }] (production; ' +
  'read the secret from an environment variable of your choice, outside the BACKSTAGE_SECRETS_ prefix).';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A fresh key, base64url encoded without padding (43 characters). */
export function generateEncryptionKey(): string {
  return randomBytes(KEY_BYTES).toString('base64url');
}

/**
 * Decodes a configured key. Throws with a message that never contains the
 * key itself, only what is wrong with it.
 */
export function decodeEncryptionKey(encoded: string, keyId: string): Buffer {
  const trimmed = encoded.trim().replace(/=+$/, '');
  if (!BASE64URL.test(trimmed)) {
    throw new Error(
      `Encryption key '${keyId}' is not base64url: it must be ${KEY_BYTES} random bytes encoded as base64url (A-Z, a-z, 0-9, '-' and '_'). ${GENERATE_KEY_HINT}`,
    );
  }
  const bytes = Buffer.from(trimmed, 'base64url');
  if (bytes.length !== KEY_BYTES) {
    throw new Error(
      `Encryption key '${keyId}' decodes to ${bytes.length} bytes; it must be exactly ${KEY_BYTES} random bytes. ${GENERATE_KEY_HINT}`,
    );
  }
  return bytes;
}
