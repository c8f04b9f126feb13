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
 * Whether a secret has one value for the whole installation (`shared`),
 * one value per user (`user`: each user sets their own, and allows plugins
 * to use it on their behalf), or one value per catalog entity (`entity`:
 * set by the entity's owners, with an optional default that admins set).
 *
 * @public
 */
export type SecretScope = 'shared' | 'user' | 'entity';

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
  /** `user`: one value per user; admins never see nor set those values */
  scope: SecretScope;
  /** for user-scoped secrets: how many users have set a value (never who) */
  userValueCount?: number;
  /** for entity-scoped secrets: how many entities have a value of their own */
  entityValueCount?: number;
  /** for entity-scoped secrets: the entity kinds it applies to, e.g. `['Component']` */
  entityKinds?: string[];
  /** e.g. the stored row cannot be decrypted (never a value) */
  error?: string;
  /** whether the definition gives a `validate` function: `POST /secrets/:name/check` works */
  checkable?: boolean;
  /** when `POST /secrets/:name/check` (or a save) last ran the check, ISO-8601 UTC */
  lastCheckedAt?: string;
  /** whether that check passed */
  lastCheckOk?: boolean;
  /**
   * The rotation interval of the definition or `secrets.rotation.<NAME>`,
   * as an ISO-8601 duration, e.g. `P90D`.
   */
  rotateEvery?: string;
  /** updatedAt + rotateEvery, ISO-8601 UTC: rotate the value by then */
  rotateBy?: string;
  /**
   * Set when no plugin read the value for `secrets.unusedAfter` (default 90
   * days), or never since it was set that long ago: the page asks whether it
   * is still needed.
   */
  unused?: boolean;
  /**
   * Set when app-config references the secret (`${NAME}`, declared with
   * `appConfig: true` and substituted by `secretsRootConfigServiceFactory`):
   * the keys that use it, and the version the running backend loaded at
   * start-up (absent: none was stored then). A stored version newer than
   * `loadedVersion` needs a restart to reach plugins that read their
   * credentials at start-up.
   */
  appConfig?: { paths: string[]; loadedVersion?: number };
};

/**
 * Response of `GET /secrets`.
 *
 * @public
 */
export type ListSecretsResponse = {
  items: SecretSummary[];
  /**
   * true: the permission policy lets every signed-in user manage secrets
   * (e.g. create-app's allow-all policy); the page warns
   */
  everyoneMayManage?: boolean;
};

/**
 * Body of `PUT /secrets/:name`.
 *
 * @public
 */
export type SetSecretRequest = {
  value: string;
  /** the version the caller last saw; a mismatch answers 409 */
  expectedVersion?: number;
  /** save without running the definition's `validate` check */
  skipValidation?: boolean;
};

/**
 * One stored version of a shared secret, as listed by
 * `GET /secrets/:name/versions` (metadata only, never a value).
 *
 * @public
 */
export type SecretVersion = {
  version: number;
  /** ISO-8601 UTC */
  createdAt: string;
  /** entity ref of who wrote this version */
  createdBy: string;
  /** when this version was written by a restore: the version it restored */
  restoredFrom?: number;
};

/**
 * Response of `GET /secrets/:name/versions`, newest first.
 *
 * @public
 */
export type ListSecretVersionsResponse = { items: SecretVersion[] };

/**
 * Body of `POST /secrets/:name/versions/:version/restore`.
 *
 * @public
 */
export type RestoreSecretVersionRequest = {
  /** the current version the caller last saw; a mismatch answers 409 */
  expectedVersion?: number;
};

/**
 * Response of `POST /secrets/:name/check`.
 *
 * @public
 */
export type CheckSecretResponse = {
  ok: boolean;
  /** the provider's message when the check failed; never the value */
  message?: string;
  /** ISO-8601 UTC */
  checkedAt: string;
};

/**
 * Payload of the `secrets.changed` event, published through Backstage's
 * events service on every set, clear, restore and re-encryption. Never a value.
 *
 * @public
 */
export type SecretChangedEvent = {
  name: string;
  scope: SecretScope;
  /** the new version; absent when unknown */
  version?: number;
  /** for `scope: 'entity'`: the entity whose value changed; absent for the default */
  entityRef?: string;
};

/**
 * Response of `GET /secrets/:name/value` (backend plugin principals only).
 *
 * @public
 */
export type SecretValueResponse = { value: string };

/**
 * `GET /changes/watermark`: the change counter the secrets client polls
 * (backend plugins' own tokens only). Compared for equality only.
 *
 * @public
 */
export type ChangeWatermarkResponse = { watermark: string };

/**
 * A user's permission for one reader plugin to use their value.
 *
 * @public
 */
export type UserSecretGrant = { pluginId: string; allowed: boolean };

/**
 * One user-scoped secret as its user sees it (`GET /user/secrets`): the
 * definition, whether the user has set a value, and which plugins may use
 * it. Never the value.
 *
 * @public
 */
export type UserSecretSummary = {
  name: string;
  /**
   * false: a value the user stored under a name that no installed plugin
   * declares per user any more; the user can only clear it
   */
  registered?: boolean;
  /** markdown, from the definition: why the plugin needs it */
  description?: string;
  obtainUrl?: string;
  obtainLabel?: string;
  format: SecretFormat;
  /** whether this user has set a value */
  set: boolean;
  /** of this user's value; versions go on across clears */
  version?: number;
  updatedAt?: string;
  lastUsedAt?: string;
  /** `plugin:<id>` */
  lastUsedBy?: string;
  /** one per reader plugin */
  grants: UserSecretGrant[];
};

/**
 * Response of `GET /user/secrets`.
 *
 * @public
 */
export type ListUserSecretsResponse = { items: UserSecretSummary[] };

/**
 * Body of `PUT /user/secrets/:name/grants/:pluginId`.
 *
 * @public
 */
export type SetUserSecretGrantRequest = { allowed: boolean };

/**
 * Response of `GET /encryption`: the keys in use and rotation progress (key
 * ids and row counts, never key material).
 *
 * @public
 */
export type EncryptionStatus = {
  primaryKeyId: string;
  keys: Array<{
    id: string;
    primary: boolean;
    /** false: rows use a key id that is not configured (they cannot be read) */
    configured: boolean;
    rows: number;
    /** a configured, non-primary key that encrypts no row any more */
    removable?: boolean;
  }>;
  /** rows that rotation still has to re-encrypt with the primary key */
  rowsUnderOlderKeys: number;
};

/**
 * One entity-scoped secret as listed for an entity
 * (`GET /entities/:kind/:namespace/:name/secrets`): the definition, where a
 * read for this entity gets its value now, and whether the caller may set
 * and clear it. Never the value.
 *
 * @public
 */
export type EntitySecretSummary = {
  name: string;
  /** markdown, from the definition */
  description?: string;
  obtainUrl?: string;
  obtainLabel?: string;
  format: SecretFormat;
  /** e.g. `component:default/payments` */
  entityRef: string;
  /** what a read gets now: the entity's own value, the default, or nothing */
  source: 'entity' | 'default' | 'unset';
  /** of the entity's own value */
  version?: number;
  updatedAt?: string;
  /** entity ref of who set the entity's value */
  updatedBy?: string;
  lastUsedAt?: string;
  /** `plugin:<id>` */
  lastUsedBy?: string;
  /** the caller may set and clear it */
  canManage: boolean;
};

/**
 * Response of `GET /entities/:kind/:namespace/:name/secrets`.
 *
 * @public
 */
export type ListEntitySecretsResponse = { items: EntitySecretSummary[] };
