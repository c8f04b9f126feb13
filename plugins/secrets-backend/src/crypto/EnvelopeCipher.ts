import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { ServiceUnavailableError, toError } from '@backstage/errors';
import type { SecretsKeyProvider } from '@backstage-secrets/plugin-secrets-node';
import { DataKeyCache } from './DataKeyCache';
import type { Keyring } from './Keyring';
import { keyContext, ownerKey, scopeOf, type ValueOwner } from './keyContext';
import { KeyProviders } from './KeyProviders';
import { LOCAL_PROVIDER_ID, LocalKeyProvider } from './LocalKeyProvider';
import {
  associatedData,
  type EncryptedValue,
  openValue,
  SecretCipher,
  SecretDecryptionError,
  seal,
} from './SecretCipher';

const DATA_KEY_BYTES = 32;

/** A key provider call that failed: what the audit trail records (no key material). */
export interface KeyProviderFailure {
  provider: string;
  operation: 'wrap' | 'unwrap';
  /** the secret whose data key it was */
  name: string;
  scope: 'shared' | 'user' | 'entity';
  /** the provider's message; providers never put key material in it */
  message: string;
  /** true: the provider is unavailable (503); false: it refused the key */
  unavailable: boolean;
}

/** Whether a provider's error means "unavailable" (503) rather than "refused". */
function isUnavailable(error: unknown): boolean {
  return toError(error).name === 'ServiceUnavailableError';
}

/**
 * Envelope encryption: every stored version gets a random data key of its
 * own (AES-256-GCM, with the same associated data as before: name, version
 * and owner), wrapped by the current key provider; the row keeps the
 * wrapped key, the provider's id and its key id, never the data key.
 * Unwrapped data keys are cached (DataKeyCache): a warm read calls no
 * provider. With the provider failing, cached keys keep working and the
 * rest fail with ServiceUnavailableError (503), never a wrong value. Rows
 * written before envelope encryption (no wrapped key) are read with the
 * configured keys as before.
 */
export class EnvelopeCipher {
  readonly #legacy?: SecretCipher;
  /** per provider: the key id of its last wrap (what the re-wrap pass aims at) */
  readonly #lastKeyIds = new Map<string, string>();

  constructor(
    private readonly options: {
      providers: KeyProviders;
      /** secrets.encryption.keys, for rows written before envelope encryption */
      keyring?: Keyring;
      cache: DataKeyCache;
      onProviderFailure?: (failure: KeyProviderFailure) => void;
    },
  ) {
    this.#legacy = options.keyring && new SecretCipher(options.keyring);
  }

  /** Envelope encryption with the `local` provider over `keyring` alone. */
  static local(keyring: Keyring, ttlMs = 5 * 60_000): EnvelopeCipher {
    return new EnvelopeCipher({
      providers: new KeyProviders(
        [new LocalKeyProvider(keyring)],
        LOCAL_PROVIDER_ID,
      ),
      keyring,
      cache: new DataKeyCache({ ttlMs }),
    });
  }

  /**
   * Encrypts a value under a fresh data key, wrapped by the current
   * provider. With `local`, the value is encrypted directly with the
   * primary configured key, exactly as before envelope encryption: a data
   * key wrapped by a key kept beside it in the same configuration would
   * protect nothing more, and existing installations keep their format.
   */
  async encrypt(
    name: string,
    version: number,
    plaintext: string,
    owner?: ValueOwner,
  ): Promise<EncryptedValue> {
    if (this.#isLocal()) {
      return this.#legacyCipher(name).encrypt(name, version, plaintext, owner);
    }
    const dataKey = randomBytes(DATA_KEY_BYTES);
    const key = createSecretKey(dataKey);
    const wrapped = await this.#wrap(dataKey, name, owner).finally(() =>
      dataKey.fill(0),
    );
    const encrypted: EncryptedValue = {
      ...wrapped,
      ciphertext: seal(
        key,
        associatedData(name, version, owner),
        Buffer.from(plaintext, 'utf8'),
      ).toString('base64'),
    };
    this.options.cache.set(cacheId(encrypted, name, owner), key);
    return encrypted;
  }

  /** Decrypts a stored value; a warm read (data key cached) calls no provider. */
  async decrypt(
    name: string,
    version: number,
    stored: EncryptedValue,
    owner?: ValueOwner,
  ): Promise<string> {
    if (!stored.provider || !stored.wrappedKey) {
      return this.#legacyCipher(name, stored.keyId).decrypt(
        name,
        version,
        stored,
        owner,
      );
    }
    const key = await this.#dataKey(name, stored, owner);
    return openValue(key, name, version, stored, owner);
  }

  /**
   * The row with its data key wrapped by the current provider; the value's
   * ciphertext stays as it is. A row without a data key (written with
   * `local`, or before envelope encryption) gets one, and a row moving to
   * `local` loses it: then the value is encrypted anew. Fails like decrypt
   * when the row cannot be read: a broken row is never re-wrapped.
   */
  async rewrap(
    name: string,
    version: number,
    stored: EncryptedValue,
    owner?: ValueOwner,
  ): Promise<EncryptedValue> {
    if (!stored.provider || !stored.wrappedKey || this.#isLocal()) {
      const plaintext = await this.decrypt(name, version, stored, owner);
      return this.encrypt(name, version, plaintext, owner);
    }
    const key = await this.#dataKey(name, stored, owner);
    openValue(key, name, version, stored, owner); // the data key fits the value
    const dataKey = key.export();
    const wrapped = await this.#wrap(dataKey, name, owner).finally(() =>
      dataKey.fill(0),
    );
    const moved = { ...stored, ...wrapped };
    this.options.cache.set(cacheId(moved, name, owner), key);
    return moved;
  }

  /** Whether a row could be decrypted at all (its provider and key are present). */
  canDecryptWith(stored: { keyId: string; provider?: string }): boolean {
    const { keyring, providers } = this.options;
    if (!stored.provider) return keyring?.get(stored.keyId) !== undefined;
    const provider = providers.get(stored.provider);
    return provider instanceof LocalKeyProvider
      ? keyring?.get(stored.keyId) !== undefined
      : provider !== undefined;
  }

  /**
   * The provider and key that wrap new data keys (for `local`, the primary
   * configured key, which encrypts values directly). For a provider other than
   * `local`, the key id is the one its last wrap answered (a KMS answers the
   * key's ARN for an alias); before any wrap, one throwaway key is wrapped
   * to learn it (context `{ secret: 'key-check', scope: 'key-check' }`).
   */
  async currentKey(): Promise<{ provider: string; keyId: string }> {
    const { current } = this.options.providers;
    if (current instanceof LocalKeyProvider && current.currentKeyId) {
      return { provider: current.id, keyId: current.currentKeyId };
    }
    let keyId = this.#lastKeyIds.get(current.id);
    if (!keyId) {
      const probe = randomBytes(DATA_KEY_BYTES);
      keyId = (
        await this.#call(current, 'wrap', '', undefined, () =>
          current.wrapKey(probe, { secret: 'key-check', scope: 'key-check' }),
        )
      ).keyId;
      this.#lastKeyIds.set(current.id, keyId);
    }
    return { provider: current.id, keyId };
  }

  async #wrap(
    dataKey: Buffer,
    name: string,
    owner: ValueOwner | undefined,
  ): Promise<{ provider: string; keyId: string; wrappedKey: string }> {
    const { current } = this.options.providers;
    const { keyId, wrappedKey } = await this.#call(
      current,
      'wrap',
      name,
      owner,
      () => current.wrapKey(dataKey, keyContext(name, owner)),
    );
    this.#lastKeyIds.set(current.id, keyId);
    return {
      provider: current.id,
      keyId,
      wrappedKey: wrappedKey.toString('base64'),
    };
  }

  /** The row's data key: from the cache, or unwrapped (once per TTL). */
  async #dataKey(
    name: string,
    stored: EncryptedValue,
    owner: ValueOwner | undefined,
  ): Promise<KeyObject> {
    const id = cacheId(stored, name, owner);
    const { cache } = this.options;
    return (
      cache.peek(id) ??
      cache.get(id, async () => {
        const provider = this.options.providers.get(stored.provider!);
        if (!provider) {
          throw new SecretDecryptionError(
            `Secret ${name} cannot be decrypted: its data key was wrapped by key provider '${stored.provider}', which is not installed. Install that provider's backend module again (it unwraps even when another provider wraps new keys).`,
          );
        }
        const bytes = await this.#call(provider, 'unwrap', name, owner, () =>
          provider.unwrapKey(
            Buffer.from(stored.wrappedKey!, 'base64'),
            stored.keyId,
            keyContext(name, owner),
          ),
        );
        if (bytes.length !== DATA_KEY_BYTES) {
          bytes.fill(0);
          throw new SecretDecryptionError(
            `Secret ${name} cannot be decrypted: key provider '${provider.id}' unwrapped a data key of the wrong size.`,
          );
        }
        const key = createSecretKey(bytes);
        bytes.fill(0);
        return key;
      })
    );
  }

  /**
   * Calls a provider; a failure is reported (audit) and becomes a 503
   * (unavailable, or any wrap failure) or a decryption failure (an unwrap
   * the provider refused: the row was moved or altered).
   */
  async #call<T>(
    provider: SecretsKeyProvider,
    operation: 'wrap' | 'unwrap',
    name: string,
    owner: ValueOwner | undefined,
    call: () => Promise<T>,
  ): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const unavailable = operation === 'wrap' || isUnavailable(error);
      const message = toError(error).message;
      this.options.onProviderFailure?.({
        provider: provider.id,
        operation,
        name,
        scope: scopeOf(owner),
        message,
        unavailable,
      });
      const what = `Key provider '${provider.id}' could not ${operation} the data key of secret ${name}: ${message}`;
      throw unavailable
        ? new ServiceUnavailableError(what)
        : new SecretDecryptionError(`${what}. Set the secret again.`);
    }
  }

  #isLocal(): boolean {
    return this.options.providers.current.id === LOCAL_PROVIDER_ID;
  }

  #legacyCipher(name: string, keyId?: string): SecretCipher {
    if (!this.#legacy) {
      throw new SecretDecryptionError(
        keyId === undefined
          ? `Secret ${name} cannot be encrypted: the 'local' key provider needs secrets.encryption.keys.`
          : `Secret ${name} is encrypted with key '${keyId}' of secrets.encryption.keys, which is not configured. Configure that key until the re-wrap pass has moved every row.`,
      );
    }
    return this.#legacy;
  }
}

/** A cached data key belongs to one wrapped key and the row it protects. */
function cacheId(
  stored: EncryptedValue,
  name: string,
  owner: ValueOwner | undefined,
): string {
  return `${stored.provider}\0${stored.wrappedKey}\0${name}\0${ownerKey(
    owner,
  )}`;
}
