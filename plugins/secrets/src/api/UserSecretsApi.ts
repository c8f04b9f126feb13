import { createApiRef } from '@backstage/core-plugin-api';
import type {
  ListUserSecretsResponse,
  SetSecretRequest,
  UserSecretSummary,
} from '@backstage-secrets/plugin-secrets-common';

/**
 * What the signed-in user can do with their own per-user secrets
 * (`scope: 'user'`): the "My secrets" page and {@link UserSecretPrompt} use
 * it, and so can any plugin's page.
 *
 * @remarks
 *
 * Separate from {@link SecretsApi} on purpose: that one is for holders of
 * `manage-secrets`, this one for every signed-in user, and only for their
 * own values. Like it, it has no method that reads a value: values only
 * travel from the browser to the backend, in the body of
 * {@link UserSecretsApi.setUserSecret}.
 *
 * @public
 */
export interface UserSecretsApi {
  /** Every per-user secret, with whether the signed-in user set a value and their grants. */
  listUserSecrets(): Promise<ListUserSecretsResponse>;
  /**
   * Stores the user's own value. Pass the version last seen as
   * `expectedVersion` (0 when no value was set) so that a change made
   * meanwhile (e.g. in another tab) fails with a 409 instead of being
   * overwritten.
   */
  setUserSecret(
    name: string,
    request: SetSecretRequest,
  ): Promise<UserSecretSummary>;
  /** Deletes the user's own value; the grants stay as they are. */
  clearUserSecret(name: string): Promise<void>;
  /** Allows (`true`) or revokes (`false`) one reader plugin's use of the user's value. */
  setUserSecretGrant(
    name: string,
    pluginId: string,
    allowed: boolean,
  ): Promise<UserSecretSummary>;
}

/**
 * The {@link UserSecretsApi}, provided by the secrets plugin in both
 * frontend systems.
 *
 * @public
 */
export const userSecretsApiRef = createApiRef<UserSecretsApi>({
  id: 'plugin.secrets.user-secrets',
});
