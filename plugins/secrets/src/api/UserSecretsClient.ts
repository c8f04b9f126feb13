import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import type {
  ListUserSecretsResponse,
  SetSecretRequest,
  UserSecretSummary,
} from '@backstage-secrets/plugin-secrets-common';
import type { UserSecretsApi } from './UserSecretsApi';
import { secretsRequest } from './request';

/**
 * {@link UserSecretsApi} over the secrets backend's `/user/secrets` routes,
 * with the signed-in user's own token (from `fetchApi`).
 *
 * @public
 */
export class UserSecretsClient implements UserSecretsApi {
  readonly #discoveryApi: DiscoveryApi;
  readonly #fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.#discoveryApi = options.discoveryApi;
    this.#fetchApi = options.fetchApi;
  }

  async listUserSecrets(): Promise<ListUserSecretsResponse> {
    const response = await this.#request('/user/secrets', { method: 'GET' });
    return (await response.json()) as ListUserSecretsResponse;
  }

  async setUserSecret(
    name: string,
    request: SetSecretRequest,
  ): Promise<UserSecretSummary> {
    const response = await this.#request(
      `/user/secrets/${encodeURIComponent(name)}`,
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
    return (await response.json()) as UserSecretSummary;
  }

  async clearUserSecret(name: string): Promise<void> {
    await this.#request(`/user/secrets/${encodeURIComponent(name)}`, {
      method: 'DELETE',
    });
  }

  async setUserSecretGrant(
    name: string,
    pluginId: string,
    allowed: boolean,
  ): Promise<UserSecretSummary> {
    const response = await this.#request(
      `/user/secrets/${encodeURIComponent(name)}/grants/${encodeURIComponent(
        pluginId,
      )}`,
      {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ allowed }),
      },
    );
    return (await response.json()) as UserSecretSummary;
  }

  #request(path: string, init: RequestInit): Promise<Response> {
    return secretsRequest(
      { discoveryApi: this.#discoveryApi, fetchApi: this.#fetchApi },
      path,
      init,
    );
  }
}
