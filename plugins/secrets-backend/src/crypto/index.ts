/*
 * Encryption: envelope encryption (a data key per stored version, wrapped
 * by a key provider, cached unwrapped for a while), the built-in `local`
 * provider over the configured keys (the first wraps, all unwrap),
 * AES-256-GCM bound to each row's name, version and owner, key generation
 * and the development key file.
 */
export { DataKeyCache } from './DataKeyCache';
export { EnvelopeCipher, type KeyProviderFailure } from './EnvelopeCipher';
export { keyContext, type ValueOwner } from './keyContext';
export { generateEncryptionKey } from './keyFormat';
export { KeyProviders } from './KeyProviders';
export { Keyring } from './Keyring';
export { LOCAL_PROVIDER_ID, LocalKeyProvider } from './LocalKeyProvider';
export { loadKeyring } from './loadKeyring';
export {
  type EncryptedValue,
  SecretCipher,
  type ValueCipher,
  SecretDecryptionError,
} from './SecretCipher';
