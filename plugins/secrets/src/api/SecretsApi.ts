import { createApiRef } from '@backstage/core-plugin-api';
import type {
  CheckSecretResponse,
  ListSecretsResponse,
  ListSecretVersionsResponse,
  RestoreSecretVersionRequest,
  SecretSummary,
  SetSecretRequest,
} from '@backstage-secrets/plugin-secrets-common';

/**
 * What the "Manage secrets" page can do with the secrets backend.
 *
 * @remarks
 *
 * There is deliberately no method that reads a value: the browser never
 * receives one. Values only travel from the browser to the backend, in the
 * body of {@link SecretsApi.setSecret}. History, restore and check work on
 * the server's copy of the value and answer with metadata only.
 *
 * @public
 */
export interface SecretsApi {
  /** Metadata of every registered (and every orphaned) secret. */
  listSecrets(): Promise<ListSecretsResponse>;
  /**
   * Stores a new value. Pass the version last seen as `expectedVersion` (0
   * when there was no stored value) so that a concurrent change fails with a
   * 409 ConflictError instead of being silently overwritten.
   *
   * When the secret's definition has a check, the backend runs it first; a
   * failed check rejects with a 422 ResponseError carrying the provider's
   * message, and nothing is stored. `skipValidation: true` saves without
   * the check.
   */
  setSecret(name: string, request: SetSecretRequest): Promise<SecretSummary>;
  /**
   * Deletes the stored value; its versions stay in the history. With
   * `purge: true` every version is deleted too (for a leaked value that
   * must not be restorable); the version counter is kept. Pass the version
   * the page shows as `expectedVersion` (0: no value): when the value moved
   * on since, nothing is deleted and it rejects with a 409 ConflictError.
   */
  clearSecret(
    name: string,
    options?: { purge?: boolean; expectedVersion?: number },
  ): Promise<void>;
  /** The stored versions of a shared secret, newest first (no values). */
  listVersions(name: string): Promise<ListSecretVersionsResponse>;
  /**
   * Writes the value of an earlier version as a new version. Pass the
   * current version as `expectedVersion`: a concurrent change fails with a
   * 409 ConflictError.
   */
  restoreVersion(
    name: string,
    version: number,
    request: RestoreSecretVersionRequest,
  ): Promise<SecretSummary>;
  /**
   * Runs the definition's check on the stored value: whether the provider
   * accepts it, and its message when not.
   */
  checkSecret(name: string): Promise<CheckSecretResponse>;
}

/**
 * The {@link SecretsApi} of the app.
 *
 * @public
 */
export const secretsApiRef = createApiRef<SecretsApi>({
  id: 'plugin.secrets.api',
});
