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
import { valueCollection, type ValueCollection } from './valueCollection';

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
  readonly #secrets: ValueCollection<ListSecretsResponse, SecretSummary>;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.#secrets = valueCollection(options, '/secrets');
  }

  listSecrets(): Promise<ListSecretsResponse> {
    return this.#secrets.list();
  }

  setSecret(name: string, request: SetSecretRequest): Promise<SecretSummary> {
    return this.#secrets.set(name, request);
  }

  clearSecret(
    name: string,
    options?: { purge?: boolean; expectedVersion?: number },
  ): Promise<void> {
    return this.#secrets.clear(name, {
      ...(options?.purge ? { purge: 'true' } : {}),
      ...(options?.expectedVersion !== undefined
        ? { expectedVersion: String(options.expectedVersion) }
        : {}),
    });
  }

  listVersions(name: string): Promise<ListSecretVersionsResponse> {
    return this.#secrets.get(name, ['versions']);
  }

  restoreVersion(
    name: string,
    version: number,
    request: RestoreSecretVersionRequest,
  ): Promise<SecretSummary> {
    const body: RestoreSecretVersionRequest = {
      expectedVersion: request.expectedVersion,
    };
    return this.#secrets.post(
      name,
      ['versions', String(version), 'restore'],
      body,
    );
  }

  checkSecret(name: string): Promise<CheckSecretResponse> {
    return this.#secrets.post(name, ['check'], {});
  }
}
