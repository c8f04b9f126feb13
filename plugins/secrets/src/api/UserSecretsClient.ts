import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import type {
  ListUserSecretsResponse,
  SetSecretRequest,
  UserSecretSummary,
} from '@backstage-secrets/plugin-secrets-common';
import type { UserSecretsApi } from './UserSecretsApi';
import { valueCollection, type ValueCollection } from './valueCollection';

/**
 * {@link UserSecretsApi} over the secrets backend's `/user/secrets` routes,
 * with the signed-in user's own token (from `fetchApi`).
 *
 * @public
 */
export class UserSecretsClient implements UserSecretsApi {
  readonly #values: ValueCollection<ListUserSecretsResponse, UserSecretSummary>;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.#values = valueCollection(options, '/user/secrets');
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

  setUserSecretGrant(
    name: string,
    pluginId: string,
    allowed: boolean,
  ): Promise<UserSecretSummary> {
    return this.#values.put(name, ['grants', pluginId], { allowed });
  }
}
