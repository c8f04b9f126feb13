import type { BackstageCredentials } from '@backstage/backend-plugin-api';

/*
 * The service's types only, in a file of their own: the service ref (with
 * its default factory) imports the client, and the client implements these
 * types, so keeping them apart leaves no import circle.
 */

/**
 * Options of a secret read.
 *
 * @public
 */
export interface SecretReadOptions {
  /**
   * The user the calling plugin acts for, for user-scoped secrets (one
   * value per user). Shared secrets are always read with the plugin's own
   * credentials: for them this option is ignored, since the backend never
   * serves a shared value to a user's token, not even one a plugin obtained
   * on the user's behalf.
   */
  onBehalfOf?: BackstageCredentials;
  /**
   * The catalog entity to read for, for entity-scoped secrets (one value
   * per entity, e.g. `component:default/payments`): the entity's own value,
   * else the secret's default; `requireSecret` throws a `NotFoundError`
   * naming the entity and where its owners set it. Read with the plugin's
   * own credentials. Ignored for shared and user-scoped secrets.
   */
  entityRef?: string;
}

/**
 * Reads secret values. Available to every backend plugin through
 * {@link secretsServiceRef}.
 *
 * @public
 */
export interface SecretsService {
  /**
   * The secret's value, or `undefined` when no value is set (neither in the
   * configuration, the environment, nor the database). Rejects with a
   * `NotAllowedError` when the calling plugin is not among the secret's
   * readers.
   */
  getSecret(
    name: string,
    options?: SecretReadOptions,
  ): Promise<string | undefined>;
  /**
   * The secret's value; throws a `NotFoundError` that says where an admin
   * (or, for an entity-scoped secret, the entity's owners) sets it when no
   * value is set.
   */
  requireSecret(name: string, options?: SecretReadOptions): Promise<string>;
}
