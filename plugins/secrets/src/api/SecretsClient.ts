import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import type {
  CheckSecretResponse,
  ListSecretsResponse,
  ListSecretVersionsResponse,
  RestoreSecretVersionRequest,
  SecretSummary,
  SetSecretRequest,
} from '@backstage-secrets/plugin-secrets-common';
import type { SecretsApi } from './SecretsApi';
import { secretPath, secretsBackend, type SecretsBackend } from './request';
import { valueCollection, type ValueCollection } from './valueCollection';

const BASE = '/secrets';

/**
 * {@link SecretsApi} over the secrets REST API at `/api/secrets`.
 *
 * @remarks
 *
 * Requests go through the app's `fetchApi`, which adds the user's Backstage
 * token; the backend decides what the user may do.
 *
 * @public
 */
export class SecretsClient implements SecretsApi {
  readonly #backend: SecretsBackend;
  readonly #secrets: ValueCollection<ListSecretsResponse, SecretSummary>;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.#backend = secretsBackend(options);
    this.#secrets = valueCollection(this.#backend, BASE);
  }

  listSecrets(): Promise<ListSecretsResponse> {
    return this.#secrets.list();
  }

  setSecret(name: string, request: SetSecretRequest): Promise<SecretSummary> {
    return this.#secrets.set(name, request);
  }

  clearSecret(name: string): Promise<void> {
    return this.#secrets.clear(name);
  }

  // async: a name that cannot be encoded rejects rather than throws.
  async listVersions(name: string): Promise<ListSecretVersionsResponse> {
    return this.#backend.get(secretPath(BASE, name, 'versions'));
  }

  async restoreVersion(
    name: string,
    version: number,
    request: RestoreSecretVersionRequest,
  ): Promise<SecretSummary> {
    const body: RestoreSecretVersionRequest = {
      expectedVersion: request.expectedVersion,
    };
    return this.#backend.post(
      secretPath(BASE, name, 'versions', String(version), 'restore'),
      body,
    );
  }

  async checkSecret(name: string): Promise<CheckSecretResponse> {
    return this.#backend.post(secretPath(BASE, name, 'check'), {});
  }
}
