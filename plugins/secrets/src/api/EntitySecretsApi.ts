import { createApiRef } from '@backstage/core-plugin-api';
import type {
  EntitySecretSummary,
  ListEntitySecretsResponse,
  SetSecretRequest,
} from '@backstage-secrets/plugin-secrets-common';

/**
 * What a signed-in user can do with a catalog entity's entity-scoped
 * secrets (`scope: 'entity'`): list them (anyone who may see the entity),
 * set and clear them (with `secrets.entity.manage` on the entity: its
 * owners). No method reads a value.
 *
 * @public
 */
export interface EntitySecretsApi {
  /** The entity's secrets, e.g. for `component:default/payments`. */
  listEntitySecrets(entityRef: string): Promise<ListEntitySecretsResponse>;
  /** Sets or replaces the entity's own value (`expectedVersion`: 409 on a change meanwhile). */
  setEntitySecret(
    entityRef: string,
    name: string,
    request: SetSecretRequest,
  ): Promise<EntitySecretSummary>;
  /** Clears the entity's own value; reads fall back to the default. */
  clearEntitySecret(entityRef: string, name: string): Promise<void>;
}

/**
 * The {@link EntitySecretsApi}, provided by the secrets plugin in both
 * frontend systems.
 *
 * @public
 */
export const entitySecretsApiRef = createApiRef<EntitySecretsApi>({
  id: 'plugin.secrets.entity-secrets',
});
