import { createApiRef } from '@backstage/core-plugin-api';
import type {
  ListSecretsResponse,
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
 * body of {@link SecretsApi.setSecret}.
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
   */
  setSecret(name: string, request: SetSecretRequest): Promise<SecretSummary>;
  /** Deletes the stored value. */
  clearSecret(name: string): Promise<void>;
}

/**
 * The {@link SecretsApi} of the app.
 *
 * @public
 */
export const secretsApiRef = createApiRef<SecretsApi>({
  id: 'plugin.secrets.api',
});
