import { createExtensionPoint } from '@backstage/backend-plugin-api';

/**
 * Wraps and unwraps the data keys of Backstage Secrets (envelope
 * encryption): every stored version is encrypted with a random data key of
 * its own, and a key provider wraps that data key with a key the provider
 * holds (in a KMS, or in configuration for the built-in `local` provider).
 * The database keeps only the wrapped key and the provider's key id, so the
 * database alone cannot decrypt anything.
 *
 * `context` names what the data key protects (the secret's name and scope,
 * and the entity or user it belongs to); a provider must bind it to the
 * wrapped key (a KMS encryption context, authenticated data), so a wrapped
 * key moved to another row does not unwrap.
 *
 * Errors must never contain key material.
 *
 * @public
 */
export interface SecretsKeyProvider {
  /** The provider's id, as named by `secrets.encryption.provider`, e.g. `aws-kms`. */
  readonly id: string;
  /**
   * Wraps a 32-byte data key. Returns the wrapped key and the id of the key
   * that wrapped it (stored with the row, handed back to unwrapKey).
   */
  wrapKey(
    dataKey: Buffer,
    context: Record<string, string>,
  ): Promise<{ keyId: string; wrappedKey: Buffer }>;
  /** Unwraps a data key that wrapKey returned, with the same context. */
  unwrapKey(
    wrappedKey: Buffer,
    keyId: string,
    context: Record<string, string>,
  ): Promise<Buffer>;
}

/**
 * Lets backend modules of the `secrets` plugin add key providers.
 *
 * @public
 */
export interface SecretsKeyProvidersExtensionPoint {
  /**
   * Adds a key provider. `secrets.encryption.provider` names the one that
   * wraps new data keys; every added provider can unwrap the keys it wrapped.
   * Two providers with one id fail start-up.
   */
  addKeyProvider(provider: SecretsKeyProvider): void;
}

/**
 * The extension point for key providers of the `secrets` plugin.
 *
 * @example
 * ```ts
 * export const vaultKeyProviderModule = createBackendModule({
 *   pluginId: 'secrets',
 *   moduleId: 'vault-transit',
 *   register(reg) {
 *     reg.registerInit({
 *       deps: { keyProviders: secretsKeyProvidersExtensionPoint },
 *       async init({ keyProviders }) {
 *         keyProviders.addKeyProvider(new VaultTransitKeyProvider());
 *       },
 *     });
 *   },
 * });
 * ```
 *
 * @public
 */
export const secretsKeyProvidersExtensionPoint =
  createExtensionPoint<SecretsKeyProvidersExtensionPoint>({
    id: 'secrets.keyProviders',
  });
