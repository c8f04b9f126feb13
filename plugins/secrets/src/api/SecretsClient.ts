import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import type {
  ListSecretsResponse,
  SecretSummary,
  SetSecretRequest,
} from '@backstage-secrets/plugin-secrets-common';
import type { SecretsApi } from './SecretsApi';
import { secretsRequest } from './request';

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
  readonly #discoveryApi: DiscoveryApi;
  readonly #fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.#discoveryApi = options.discoveryApi;
    this.#fetchApi = options.fetchApi;
  }

  async listSecrets(): Promise<ListSecretsResponse> {
    const response = await this.#request('/secrets', { method: 'GET' });
    return (await response.json()) as ListSecretsResponse;
  }

  async setSecret(
    name: string,
    request: SetSecretRequest,
  ): Promise<SecretSummary> {
    const response = await this.#request(
      `/secrets/${encodeURIComponent(name)}`,
      {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        // Only the value and the expected version; nothing else is sent.
        body: JSON.stringify({
          value: request.value,
          expectedVersion: request.expectedVersion,
        }),
      },
    );
    return (await response.json()) as SecretSummary;
  }

  async clearSecret(name: string): Promise<void> {
    await this.#request(`/secrets/${encodeURIComponent(name)}`, {
      method: 'DELETE',
    });
  }

  #request(path: string, init: RequestInit): Promise<Response> {
    return secretsRequest(
      { discoveryApi: this.#discoveryApi, fetchApi: this.#fetchApi },
      path,
      init,
    );
  }
}
