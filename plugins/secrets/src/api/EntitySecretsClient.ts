import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import type {
  EntitySecretSummary,
  ListEntitySecretsResponse,
  SetSecretRequest,
} from '@backstage-secrets/plugin-secrets-common';
import type { EntitySecretsApi } from './EntitySecretsApi';
import { secretPath, secretsBackend } from './request';

/** `/entities/kind/namespace/name/secrets` of an entity ref. */
function entityBase(entityRef: string): string {
  const { kind, namespace, name } = parseEntityRef(entityRef, {
    defaultNamespace: 'default',
  });
  return `${secretPath('/entities', kind, namespace, name)}/secrets`;
}

/**
 * {@link EntitySecretsApi} over the secrets backend's
 * `/entities/:kind/:namespace/:name/secrets` routes, with the signed-in
 * user's own token (from `fetchApi`).
 *
 * @public
 */
export class EntitySecretsClient implements EntitySecretsApi {
  readonly #backend: ReturnType<typeof secretsBackend>;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.#backend = secretsBackend(options);
  }

  async listEntitySecrets(
    entityRef: string,
  ): Promise<ListEntitySecretsResponse> {
    return this.#backend.get(entityBase(entityRef));
  }

  async setEntitySecret(
    entityRef: string,
    name: string,
    request: SetSecretRequest,
  ): Promise<EntitySecretSummary> {
    return this.#backend.put(secretPath(entityBase(entityRef), name), {
      value: request.value,
      expectedVersion: request.expectedVersion,
      ...(request.skipValidation ? { skipValidation: true } : {}),
    });
  }

  async clearEntitySecret(entityRef: string, name: string): Promise<void> {
    return this.#backend.delete(secretPath(entityBase(entityRef), name));
  }
}
