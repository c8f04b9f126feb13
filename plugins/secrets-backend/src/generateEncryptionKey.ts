import { generateEncryptionKey as generateKey } from './crypto';

/**
 * A fresh encryption key for `secrets.encryption.keys[].secret`: 32 random
 * bytes, base64url encoded without padding (43 characters). The same as
 * `npx @backstage-secrets/plugin-secrets-backend generate-key`.
 *
 * @public
 */
export function generateEncryptionKey(): string {
  return generateKey();
}
