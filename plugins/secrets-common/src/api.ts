/**
 * Wire types of the secrets REST API, mounted at `/api/secrets`.
 *
 * No type here ever carries a value, except {@link SecretValueResponse},
 * which only backend plugin principals can receive.
 */

/**
 * The format of a secret's value. `json` values are validated as JSON when set.
 *
 * @public
 */
export type SecretFormat = 'text' | 'json';

/**
 * Where a read of the secret gets its value now.
 *
 * @public
 */
export type SecretSource = 'database' | 'config' | 'environment' | 'unset';

/**
 * Metadata of one secret, as listed on the "Manage secrets" page.
 *
 * @public
 */
export type SecretSummary = {
  /** e.g. `OPENAI_API_KEY` */
  name: string;
  /** false = orphan: stored, but no plugin registers it any more */
  registered: boolean;
  /** markdown, from the definition */
  description?: string;
  obtainUrl?: string;
  obtainLabel?: string;
  format: SecretFormat;
  source: SecretSource;
  /** the config key or environment variable, when pinned */
  pinnedBy?: string;
  /** of the stored value; 1 on first set, +1 per set */
  version?: number;
  /** ISO-8601 UTC with zone */
  createdAt?: string;
  /** entity ref, e.g. `user:default/alice` */
  createdBy?: string;
  updatedAt?: string;
  updatedBy?: string;
  lastUsedAt?: string;
  /** e.g. `plugin:catalog` or the on-behalf-of user */
  lastUsedBy?: string;
  /** when lastUsedBy is a user: the plugin that read on their behalf, e.g. `plugin:catalog` */
  lastUsedVia?: string;
  /**
   * The ids of the backend plugins that may read the value (from the
   * definition, or `secrets.readers.<NAME>` in config, which wins).
   * Absent: any backend plugin may read it.
   */
  readers?: string[];
  /** e.g. the stored row cannot be decrypted (never a value) */
  error?: string;
};

/**
 * Response of `GET /secrets`.
 *
 * @public
 */
export type ListSecretsResponse = { items: SecretSummary[] };

/**
 * Body of `PUT /secrets/:name`.
 *
 * @public
 */
export type SetSecretRequest = {
  value: string;
  /** the version the caller last saw; a mismatch answers 409 */
  expectedVersion?: number;
};

/**
 * Response of `GET /secrets/:name/value` (backend plugin principals only).
 *
 * @public
 */
export type SecretValueResponse = { value: string };
