export interface Config {
  /** Configuration of the Backstage Secrets backend plugin. */
  secrets?: {
    /**
     * Further plugins that forward requests a user chooses, like the
     * built-in scaffolder, proxy and mcp-actions: they can never be readers
     * of a per-user secret (start-up fails when one is named).
     */
    forwardingPlugins?: string[];
    /**
     * Start although `backend.auth.externalAccess` has an entry of a type
     * other than static, legacy and jwks. Such a handler of your own can
     * return a `plugin:` subject, which reads that plugin's secrets: set
     * this only when yours never does. Default false.
     */
    acknowledgeCustomExternalTokenHandlers?: boolean;
    /** Change events for the readers' caches (see docs/operators.md). */
    events?: {
      /**
       * How often each instance publishes its heartbeat on the event bus
       * (topic `secrets.heartbeat`), so that readers on other instances
       * notice a broken bus and re-read values after a short window. Default
       * 10 seconds.
       */
      heartbeatInterval?: { [unit: string]: number } | string;
    };
    encryption?: {
      /**
       * The encryption keys. The first one is the primary key: it encrypts
       * every new write. Every listed key decrypts. To rotate, put a new key
       * first and keep the old ones until no stored row uses them.
       *
       * Generate a key with
       * `npx @backstage-secrets/plugin-secrets-backend generate-key`.
       */
      keys?: Array<{
        /**
         * A short, stable id stored with every row the key encrypts
         * (letters, digits, `-`, `_` and `.`; at most 64 characters).
         */
        id: string;
        /**
         * 32 random bytes, base64url encoded (43 characters).
         * @visibility secret
         */
        secret: string;
      }>;
      /**
       * The key provider that wraps the data key of every new stored
       * version (envelope encryption): `local` (default) uses
       * `keys` above, as before; another id names a provider that a
       * backend module adds through `secretsKeyProvidersExtensionPoint`,
       * e.g. `aws-kms` (@backstage-secrets/plugin-secrets-backend-module-aws-kms).
       * Every installed provider still unwraps the rows it wrapped; the
       * re-wrap task moves them to this one. An id that no installed
       * provider has fails start-up.
       */
      provider?: string;
      /**
       * How long an unwrapped data key stays cached in memory, e.g.
       * `{ minutes: 5 }` (default) or an ISO-8601 duration. A read whose
       * data key is cached calls no key provider; with the provider down,
       * such reads keep working and the others answer 503.
       */
      dataKeyCacheTtl?: { [unit: string]: number } | string;
      /**
       * Development only: when no key is configured, read the key from this
       * file, creating it with a fresh random key on first start. Refused
       * when NODE_ENV is `production`. Relative paths resolve against the
       * backend's working directory.
       */
      developmentKeyFile?: string;
      /**
       * Start even when stored rows use a key id that is not configured
       * (they show as unreadable and can be cleared or set again). Off by
       * default: start-up fails, naming the key ids and row counts.
       */
      startWithUnreadableRows?: boolean;
      /** Re-encryption of rows under older keys after a rotation. */
      rotation?: {
        /**
         * The schedule of the re-encryption task, as a Backstage scheduler
         * task definition, e.g. `{ frequency: { minutes: 1 }, timeout: {
         * minutes: 15 } }`. Default: every minute, 15 minutes timeout.
         */
        schedule?: {
          frequency: { [unit: string]: number } | string | { cron: string };
          timeout: { [unit: string]: number } | string;
          initialDelay?: { [unit: string]: number } | string;
          scope?: 'global' | 'local';
        };
        /**
         * Deprecated: use `schedule`. How often the re-encryption task
         * runs, e.g. `{ minutes: 1 }` or an ISO-8601 duration.
         * @deprecated use schedule
         */
        frequency?: { [unit: string]: number } | string;
        /** Rows per batch. Default 100. */
        batchSize?: number;
      };
    };
    /**
     * Values pinned by the operator; they win over the database and the
     * environment and cannot be changed from the UI.
     * @visibility secret
     */
    values?: { [name: string]: string };
    /**
     * Secrets declared in configuration, for plugins that have no secrets
     * module of their own (for example a proxy endpoint whose header uses
     * `{{ secrets.NAME }}`). Each entry is registered like a definition
     * from the extension point: same validation, and when a module already
     * registered the name, the module's definition is kept (with a warning
     * naming `app-config secrets.definitions[<index>]`). An invalid entry
     * stops start-up with an error naming the entry.
     */
    definitions?: Array<{
      /**
       * The secret's name, e.g. `PAGERDUTY_API_TOKEN`: an upper-case letter
       * followed by at most 127 upper-case letters, digits or underscores.
       */
      name: string;
      /** What the secret is for, in markdown; shown on the page. */
      description?: string;
      /** Where an admin obtains a value (an http or https URL). */
      obtainUrl?: string;
      /** The text of the obtain link. */
      obtainLabel?: string;
      /** `json` values are validated as JSON when set. Default `text`. */
      format?: 'text' | 'json';
      /**
       * The ids of the backend plugins that may read the value, e.g.
       * `[proxy]`. Absent: any backend plugin.
       */
      readers?: string[];
      /**
       * `shared` (default): one value for the installation. `entity`: one
       * value per catalog entity of `entityKinds`, set by the entity's
       * owners (`secrets.entity.manage`), plus an optional default set by
       * admins. `user`: one value per user (needs `readers`).
       */
      scope?: 'shared' | 'user' | 'entity';
      /**
       * For `scope: entity`: the entity kinds that have a value of their
       * own, e.g. `[Component, System]`. Default `[Component]`.
       */
      entityKinds?: string[];
      /**
       * How often the value should be replaced, e.g. `{ days: 90 }`,
       * `P90D` or `90 days`. `secrets.rotation.<NAME>` wins over it.
       */
      rotateEvery?: { [unit: string]: number } | string;
      /**
       * Let app-config reference the stored value as `${NAME}` (with
       * `secretsRootConfigServiceFactory()` as the backend's root config),
       * at keys whose config schema visibility is secret only. An
       * environment variable of the same name wins. Cannot be combined
       * with `readers`: config is readable by every backend plugin.
       * Default false.
       */
      appConfig?: boolean;
    }>;
    /** Stored secrets in app-config (`appConfig: true` definitions). */
    appConfig?: {
      /**
       * How often the root config checks whether a stored value used in
       * app-config changed (one query), and then emits the new config to
       * its subscribers. Default 10 seconds.
       */
      reloadInterval?: { [unit: string]: number } | string;
    };
    /**
     * Which backend plugins may read each secret, by plugin id, e.g.
     * `OPENAI_API_KEY: [catalog, my-plugin]`. Wins over the `readers` of
     * the secret's definition (set or narrow them here). A plugin outside
     * the list is refused with 403. Without an entry here or in the
     * definition, any backend plugin may read the secret.
     */
    readers?: { [name: string]: string[] };
    /**
     * How often each shared secret's value should be replaced, by name,
     * e.g. `OPENAI_API_KEY: { days: 90 }`, `P90D` or `90 days`. Wins over
     * the definition's `rotateEvery`. The "Manage secrets" page shows the
     * date to rotate by (the time the current value was set plus this) and
     * an overdue badge, and the reminder task notifies (see `reminders`).
     */
    rotation?: { [name: string]: { [unit: string]: number } | string };
    /**
     * After how long without a read a stored value is flagged as unused on
     * the "Manage secrets" page, e.g. `{ days: 90 }` or `P90D`. Default 90
     * days. A value that was never read is flagged this long after it was
     * set.
     */
    unusedAfter?: { [unit: string]: number } | string;
    /**
     * Rotation reminders: Backstage notifications when a secret's value is
     * due for rotation within 7 days and when it is overdue, once per state
     * change. Needs the notifications backend
     * (`@backstage/plugin-notifications-backend`) in the backend.
     */
    reminders?: {
      /**
       * Who is notified, as entity refs. Default `['group:default/admins']`.
       */
      recipients?: string[];
      /**
       * The schedule of the reminder task, as a Backstage scheduler task
       * definition. Default: every hour, 5 minutes timeout.
       */
      schedule?: {
        frequency: { [unit: string]: number } | string | { cron: string };
        timeout: { [unit: string]: number } | string;
        initialDelay?: { [unit: string]: number } | string;
        scope?: 'global' | 'local';
      };
    };
    /** Earlier versions of shared secrets, for restore. */
    history?: {
      /**
       * How many versions of each shared secret are kept (the current one
       * included), encrypted like the current value. A whole number of at
       * least 1; default 10. Older versions are dropped at the next write.
       */
      keep?: number;
    };
    /** Per-entity secrets (definitions with `scope: 'entity'`). */
    entitySecrets?: {
      /**
       * How long an entity's values are kept after the entity has gone
       * missing from the catalog, e.g. `{ days: 30 }` or `P30D`. Default 30
       * days. A scheduled task then deletes them (audited).
       */
      orphanGracePeriod?: { [unit: string]: number } | string;
    };
    /** Per-user secrets (definitions with `scope: 'user'`). */
    userSecrets?: {
      /**
       * How long a user's values are kept after the user has gone missing
       * from the catalog, e.g. `{ days: 30 }` or `P30D`. Default 30 days.
       * A scheduled task then deletes their values and grants (audited).
       */
      orphanGracePeriod?: { [unit: string]: number } | string;
    };
    /**
     * The manage API refuses to answer when the permission framework is
     * disabled (`permission.enabled` is not true), so that the secrets page
     * does not open to every signed-in user by accident. Set this to true to
     * let every signed-in user manage secrets in that case.
     */
    dangerouslyAllowManageWithoutPermissionFramework?: boolean;
    /**
     * Allow external callers that authenticate with a static token
     * (`backend.auth.externalAccess`) to read secret values. Off by default:
     * only backend plugins can read values.
     */
    allowExternalAccessToValues?: boolean;
    /**
     * How often the in-memory "last used" records are written to the
     * database, e.g. `{ seconds: 5 }` or `PT5S`. Default 5 seconds.
     */
    lastUsedFlushInterval?: { [unit: string]: number } | string;
    /**
     * Deprecated: use `lastUsedFlushInterval`. The same, in seconds.
     * @deprecated use lastUsedFlushInterval
     */
    lastUsedFlushIntervalSeconds?: number;
    /** Checks of values with their providers (`SecretDefinition.validate`). */
    validation?: {
      /**
       * How long a check may take before it counts as failed (the save
       * answers 422; the admin can save without the check), e.g.
       * `{ seconds: 10 }` or `PT10S`. Default 10 seconds. The check's
       * AbortSignal aborts then.
       */
      timeout?: { [unit: string]: number } | string;
    };
  };
}
