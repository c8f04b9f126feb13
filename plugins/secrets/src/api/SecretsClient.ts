import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  ListSecretsResponse,
  SecretSummary,
  SetSecretRequest,
} from '@backstage-secrets/plugin-secrets-common';
import type { SecretsApi } from './SecretsApi';

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

  async #request(path: string, init: RequestInit): Promise<Response> {
    const baseUrl = await this.#discoveryApi.getBaseUrl('secrets');
    const response = await this.#fetchApi.fetch(`${baseUrl}${path}`, init);
    if (!response.ok) {
      // Keeps the backend's { error: { name, message } } as error.cause, so
      // the page can show the backend's own explanation.
      throw await ResponseError.fromResponse(response);
    }
    return response;
  }
}
