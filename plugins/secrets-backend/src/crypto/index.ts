/*
 * Encryption: the configured keys (the first encrypts, all decrypt),
 * AES-256-GCM bound to each row's name, version and owner, key generation
 * and the development key file.
 */
export { generateEncryptionKey } from './keyFormat';
export { Keyring } from './Keyring';
export { loadKeyring } from './loadKeyring';
export {
  type EncryptedValue,
  SecretCipher,
  SecretDecryptionError,
} from './SecretCipher';
