import type { SecretsKeyProvider } from '@backstage-secrets/plugin-secrets-node';

/**
 * The installed key providers (the built-in `local` one and those modules
 * added through `secretsKeyProvidersExtensionPoint`) and the one
 * `secrets.encryption.provider` names to wrap new data keys. Every
 * installed provider unwraps the keys it wrapped, so rows keep working
 * while the re-wrap pass moves them to the current provider.
 */
export class KeyProviders {
  readonly current: SecretsKeyProvider;
  readonly #byId = new Map<string, SecretsKeyProvider>();

  constructor(providers: SecretsKeyProvider[], currentId: string) {
    for (const provider of providers) {
      if (this.#byId.has(provider.id)) {
        throw new Error(
          `Two key providers have the id '${provider.id}' (secretsKeyProvidersExtensionPoint): install only one module for it.`,
        );
      }
      this.#byId.set(provider.id, provider);
    }
    const current = this.#byId.get(currentId);
    if (!current) {
      throw new Error(
        `secrets.encryption.provider is '${currentId}', but no installed key provider has that id (installed: ${this.ids
          .map(id => `'${id}'`)
          .join(
            ', ',
          )}). Install its backend module (e.g. @backstage-secrets/plugin-secrets-backend-module-aws-kms for 'aws-kms') or choose an installed one.`,
      );
    }
    this.current = current;
  }

  get(id: string): SecretsKeyProvider | undefined {
    return this.#byId.get(id);
  }

  get ids(): string[] {
    return [...this.#byId.keys()];
  }
}
