import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import type {
  ListUserSecretsResponse,
  SetSecretRequest,
  UserSecretSummary,
} from '@backstage-secrets/plugin-secrets-common';
import type { UserSecretsApi } from './UserSecretsApi';
import { secretPath, secretsBackend, type SecretsBackend } from './request';
import { valueCollection, type ValueCollection } from './valueCollection';

const BASE = '/user/secrets';

/**
 * {@link UserSecretsApi} over the secrets backend's `/user/secrets` routes,
 * with the signed-in user's own token (from `fetchApi`).
 *
 * @public
 */
export class UserSecretsClient implements UserSecretsApi {
  readonly #backend: SecretsBackend;
  readonly #values: ValueCollection<ListUserSecretsResponse, UserSecretSummary>;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.#backend = secretsBackend(options);
    this.#values = valueCollection(this.#backend, BASE);
  }

  listUserSecrets(): Promise<ListUserSecretsResponse> {
    return this.#values.list();
  }

  setUserSecret(
    name: string,
    request: SetSecretRequest,
  ): Promise<UserSecretSummary> {
    return this.#values.set(name, request);
  }

  clearUserSecret(name: string): Promise<void> {
    return this.#values.clear(name);
  }

  async setUserSecretGrant(
    name: string,
    pluginId: string,
    allowed: boolean,
  ): Promise<UserSecretSummary> {
    return this.#backend.put(secretPath(BASE, name, 'grants', pluginId), {
      allowed,
    });
  }
}
