import type { SecretsKeyProvider } from '@backstage-secrets/plugin-secrets-node';
import type { Keyring } from './Keyring';
import { contextData } from './keyContext';
import { LOCAL_PROVIDER_ID, seal, unseal } from './SecretCipher';

export { LOCAL_PROVIDER_ID };

const DATA_KEY_BYTES = 32;

/**
 * The built-in `local` key provider: wraps data keys with the primary key of
 * `secrets.encryption.keys` (AES-256-GCM, the context as authenticated
 * data); every listed key unwraps. The keys live in the backend's
 * configuration, as before envelope encryption: whoever reads that config
 * and the database can decrypt. Without configured keys (another provider
 * wraps new keys) it refuses, naming what is missing.
 */
export class LocalKeyProvider implements SecretsKeyProvider {
  readonly id = LOCAL_PROVIDER_ID;

  constructor(private readonly keyring: Keyring | undefined) {}

  /** The key that wraps new data keys; undefined without configured keys. */
  get currentKeyId(): string | undefined {
    return this.keyring?.primary.id;
  }

  async wrapKey(
    dataKey: Buffer,
    context: Record<string, string>,
  ): Promise<{ keyId: string; wrappedKey: Buffer }> {
    if (dataKey.length !== DATA_KEY_BYTES) {
      throw new TypeError(`A data key has ${DATA_KEY_BYTES} bytes`);
    }
    const primary = this.#keyring().primary;
    return {
      keyId: primary.id,
      wrappedKey: seal(primary.key, contextData(context), dataKey),
    };
  }

  async unwrapKey(
    wrappedKey: Buffer,
    keyId: string,
    context: Record<string, string>,
  ): Promise<Buffer> {
    const entry = this.#keyring().get(keyId);
    if (!entry) {
      throw new Error(
        `the data key was wrapped with key '${keyId}', which is not configured in secrets.encryption.keys; add that key back (after the primary)`,
      );
    }
    const dataKey = unseal(entry.key, contextData(context), wrappedKey);
    if (!dataKey || dataKey.length !== DATA_KEY_BYTES) {
      throw new Error(
        `the data key does not unwrap with key '${keyId}': it belongs to another secret, or was altered`,
      );
    }
    return dataKey;
  }

  #keyring(): Keyring {
    if (!this.keyring) {
      throw new Error(
        "the 'local' key provider has no key: secrets.encryption.keys is not configured",
      );
    }
    return this.keyring;
  }
}
