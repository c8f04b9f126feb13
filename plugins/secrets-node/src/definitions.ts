import type {
  SecretFormat,
  SecretScope,
} from '@backstage-secrets/plugin-secrets-common';

/**
 * A secret that a plugin needs, declared at start-up through
 * {@link secretsExtensionPoint}.
 *
 * @public
 */
export interface SecretDefinition {
  /**
   * The secret's name, e.g. `OPENAI_API_KEY`: an upper-case letter followed
   * by at most 127 upper-case letters, digits or underscores.
   */
  name: string;
  /** What the secret is for, in markdown; shown on the "Manage secrets" page. */
  description?: string;
  /** Where an admin obtains a value, e.g. the provider's API key page. */
  obtainUrl?: string;
  /** The text of the obtain link, e.g. "Get an OpenAI API key". */
  obtainLabel?: string;
  /** `json` values are validated as JSON when set. Default `text`. */
  format?: SecretFormat;
  /**
   * The ids of the backend plugins that may read the value, e.g.
   * `['catalog', 'my-plugin']`. Absent: any backend plugin may read it (the
   * "Manage secrets" page says so, with a hint to narrow it). Operators can
   * set or narrow the list with `secrets.readers.<NAME>` in app-config,
   * which wins over this one. A plugin outside the list is refused (403),
   * and its `getSecret` rejects rather than answering `undefined`.
   */
  readers?: string[];
  /**
   * `shared` (default): one value for the installation, set by admins.
   * `user`: one value per user, which each user sets on their "My secrets"
   * page (`/settings/secrets`) and allows reader plugins to use; a plugin
   * reads it with `getSecret(name, { onBehalfOf: credentials })`, passing
   * the credentials of the user whose request it serves. A user-scoped
   * secret must name its `readers`; pins do not apply to it.
   */
  scope?: SecretScope;
}
