import type { Config } from '@backstage/config';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  secretEnvironmentVariable,
  SECRET_ENV_PREFIX,
  secretNotRegisteredMessage,
  SecretSource,
  SecretSummary,
} from '@backstage-secrets/plugin-secrets-common';
import { SecretCipher, SecretDecryptionError } from '../crypto/SecretCipher';
import type {
  SecretsStore,
  StoredSecret,
  StoredSecretMetadata,
} from '../database/SecretsStore';
import type { UserSecretsStore } from '../database/UserSecretsStore';
import { validateValue } from './valueRules';
import type { LastUsedTracker } from './LastUsedTracker';
import type { SecretChangeEvents } from './changeEvents';
import type { RegisteredSecret, SecretsRegistry } from './SecretsRegistry';

/** Where a secret's value comes from right now, without the value. */
interface Pin {
  source: Exclude<SecretSource, 'database' | 'unset'>;
  pinnedBy: string;
}

/**
 * A user-scoped secret read with a plugin's own token: it has no value
 * but the users' own. The client reacts to it (a response header says so)
 * by reading on behalf of the user it was given.
 */
export class UserScopedReadError extends NotAllowedError {
  constructor(name: string) {
    super(
      `Secret ${name} holds one value per user: read it on behalf of the user whose request your plugin serves, with getSecret('${name}', { onBehalfOf: credentials }).`,
    );
  }
}

/**
 * A read of a name that no installed plugin declares: a 404 that the router
 * marks with the `not-registered` reason header, so that the client rejects
 * instead of reading it as unset.
 */
export class SecretNotRegisteredError extends NotFoundError {}

/** A value read for a backend plugin, and who read it. */
export interface ReadRequest {
  name: string;
  /** e.g. `plugin:catalog`, or `external:ci-bot` when external access is allowed */
  caller: string;
}

function byName(a: SecretSummary, b: SecretSummary): number {
  if (a.name < b.name) return -1;
  return a.name > b.name ? 1 : 0;
}

const MANAGE_PAGE_HINT =
  'An admin can set it on the "Manage secrets" page (/secrets) of Backstage';

/**
 * The secrets plugin's logic: precedence of pins over stored values,
 * validation of writes, encryption, optimistic concurrency.
 */
export class SecretsManager {
  /** Names whose stored row failed to decrypt, so the list can mark them. */
  readonly #undecryptable = new Map<string, string>();

  constructor(
    private readonly options: {
      config: Config;
      registry: SecretsRegistry;
      store: SecretsStore;
      cipher: SecretCipher;
      tracker: LastUsedTracker;
      logger: LoggerService;
      env?: NodeJS.ProcessEnv;
      /** users' own values, for the admin list's counts of user-scoped secrets */
      userStore?: UserSecretsStore;
      /** tells readers on every instance which name changed */
      changes?: SecretChangeEvents;
    },
  ) {}

  #configKey(name: string): string {
    return `secrets.values.${name}`;
  }

  /**
   * The plugin ids that may read a secret: `secrets.readers.<NAME>` from
   * the configuration wins over the definition. undefined = any plugin.
   */
  readersOf(name: string): string[] | undefined {
    const configured = this.options.config.getOptionalStringArray(
      `secrets.readers.${name}`,
    );
    if (configured !== undefined) return [...new Set(configured)];
    return this.options.registry.get(name)?.readers;
  }

  /** The scope of a registered secret; undefined when not registered. */
  scopeOf(name: string): 'shared' | 'user' | undefined {
    return this.options.registry.get(name)?.scope;
  }

  /**
   * Refuses a caller outside a secret's readers, naming the caller and the
   * secret (never a value). Unregistered names pass: the read then answers
   * 404. External callers (when allowed at all) may read only secrets
   * without readers: readers name backend plugins.
   */
  assertMayRead(name: string, caller: string): void {
    if (!this.options.registry.get(name)) return;
    const readers = this.readersOf(name);
    if (readers === undefined) return;
    const pluginId = caller.startsWith('plugin:')
      ? caller.slice('plugin:'.length)
      : undefined;
    if (pluginId !== undefined && readers.includes(pluginId)) return;
    const who =
      pluginId !== undefined
        ? `Plugin ${pluginId}`
        : `The external caller ${caller}`;
    throw new NotAllowedError(
      `${who} may not read secret ${name}: only ${
        readers.length === 0
          ? 'no plugin'
          : `the plugin(s) ${readers.join(', ')}`
      } may read it. An operator can change that with secrets.readers.${name} in app-config.yaml.`,
    );
  }

  /** The pin of a secret, if configuration or environment sets it. */
  #pinOf(name: string): (Pin & { value: string }) | undefined {
    const configKey = this.#configKey(name);
    const fromConfig = this.options.config.getOptionalString(configKey);
    if (fromConfig !== undefined && fromConfig !== '') {
      return { source: 'config', pinnedBy: configKey, value: fromConfig };
    }
    const variable = secretEnvironmentVariable(name);
    const fromEnv = (this.options.env ?? process.env)[variable];
    if (fromEnv !== undefined && fromEnv !== '') {
      return { source: 'environment', pinnedBy: variable, value: fromEnv };
    }
    return undefined;
  }

  /**
   * Every pin at once, by name: one pass over the configured values and the
   * environment, instead of two lookups per secret when listing thousands.
   */
  #allPins(): Map<string, Pin & { value: string }> {
    const names = new Set<string>();
    const configValues =
      this.options.config.getOptionalConfig('secrets.values');
    for (const key of configValues?.keys() ?? []) names.add(key);
    const env = this.options.env ?? process.env;
    for (const variable of Object.keys(env)) {
      if (variable.startsWith(SECRET_ENV_PREFIX)) {
        names.add(variable.slice(SECRET_ENV_PREFIX.length));
      }
    }
    const pins = new Map<string, Pin & { value: string }>();
    for (const name of names) {
      const pin = this.#pinOf(name);
      if (pin) pins.set(name, pin);
    }
    return pins;
  }

  /** Names pinned by configuration or environment, with their values; for start-up checks. */
  pinnedValues(): Array<{ name: string; pinnedBy: string; value: string }> {
    return [...this.#allPins()].map(([name, pin]) => ({
      name,
      pinnedBy: pin.pinnedBy,
      value: pin.value,
    }));
  }

  #summarize(
    definition: RegisteredSecret | undefined,
    name: string,
    stored: StoredSecretMetadata | undefined,
    pins?: Map<string, Pin & { value: string }>,
  ): SecretSummary {
    if (definition?.scope === 'user') {
      return this.#summarizeUserScoped(definition, 0);
    }
    let pin: Pin | undefined;
    if (definition) pin = pins ? pins.get(name) : this.#pinOf(name);
    let source: SecretSource = 'unset';
    if (pin) source = pin.source;
    else if (stored) source = 'database';
    const lastUsed = this.options.tracker.peek(name);
    const lastUsedAt = lastUsed?.at ?? stored?.lastUsedAt;
    const lastUsedBy = lastUsed
      ? lastUsed.onBehalfOf ?? lastUsed.by
      : stored?.lastUsedOnBehalfOf ?? stored?.lastUsedBy;
    const lastUsedVia = lastUsed
      ? lastUsed.onBehalfOf && lastUsed.by
      : stored?.lastUsedOnBehalfOf && stored?.lastUsedBy;
    let error: string | undefined;
    if (stored && !this.options.cipher.canDecryptWith(stored.keyId)) {
      error = `The stored value is encrypted with key '${stored.keyId}', which is not configured; it cannot be read. Add the key back to secrets.encryption.keys or set the secret again.`;
    } else if (stored && this.#undecryptable.has(name)) {
      error = this.#undecryptable.get(name);
    }
    return {
      name,
      registered: Boolean(definition),
      description: definition?.description,
      obtainUrl: definition?.obtainUrl,
      obtainLabel: definition?.obtainLabel,
      format: definition?.format ?? 'text',
      source,
      pinnedBy: pin?.pinnedBy,
      version: stored?.version,
      createdAt: stored?.createdAt,
      createdBy: stored?.createdBy,
      updatedAt: stored?.updatedAt,
      updatedBy: stored?.updatedBy,
      lastUsedAt,
      lastUsedBy,
      ...(lastUsedVia ? { lastUsedVia } : {}),
      ...(definition ? { readers: this.readersOf(name) } : {}),
      scope: 'shared',
      error,
    };
  }

  /**
   * A user-scoped secret on the admin list: its definition, readers and how
   * many users set a value. Never whose values, never a value.
   */
  #summarizeUserScoped(
    definition: RegisteredSecret,
    userValueCount: number,
  ): SecretSummary {
    return {
      name: definition.name,
      registered: true,
      description: definition.description,
      obtainUrl: definition.obtainUrl,
      obtainLabel: definition.obtainLabel,
      format: definition.format,
      source: 'unset',
      readers: this.readersOf(definition.name),
      scope: 'user',
      userValueCount,
    };
  }

  /** Registered secrets and orphans (stored, no longer registered), metadata only. */
  async list(): Promise<SecretSummary[]> {
    const rows = await this.options.store.listMetadata();
    const storedByName = new Map(rows.map(row => [row.name, row]));
    const pins = this.#allPins();
    const definitions = this.options.registry.list();
    const userCounts = definitions.some(d => d.scope === 'user')
      ? await this.options.userStore?.countUsersByName()
      : undefined;
    const items: SecretSummary[] = [];
    for (const definition of definitions) {
      if (definition.scope === 'user') {
        items.push(
          this.#summarizeUserScoped(
            definition,
            userCounts?.get(definition.name) ?? 0,
          ),
        );
        storedByName.delete(definition.name);
        continue;
      }
      items.push(
        this.#summarize(
          definition,
          definition.name,
          storedByName.get(definition.name),
          pins,
        ),
      );
      storedByName.delete(definition.name);
    }
    for (const orphan of storedByName.values()) {
      items.push(this.#summarize(undefined, orphan.name, orphan));
    }
    // Names are ASCII by rule: a plain comparison sorts them, without the
    // cost of locale collation.
    return items.sort(byName);
  }

  async summary(name: string): Promise<SecretSummary> {
    const definition = this.options.registry.get(name);
    const stored = await this.options.store.get(name);
    if (!definition && !stored) {
      throw new NotFoundError(this.#notRegisteredMessage(name));
    }
    return this.#summarize(definition, name, stored);
  }

  #notRegisteredMessage(name: string): string {
    return `Secret ${name} is not registered: no installed plugin declares it. Only registered secrets can be set.`;
  }

  /** Sets or replaces a stored value; returns the new metadata. */
  async set(options: {
    name: string;
    value: string;
    expectedVersion?: number;
    actor: string;
  }): Promise<SecretSummary> {
    const { name, value, expectedVersion, actor } = options;
    const definition = this.options.registry.get(name);
    if (!definition) {
      throw new NotFoundError(this.#notRegisteredMessage(name));
    }
    this.#refuseUserScoped(definition);
    const pin = this.#pinOf(name);
    if (pin) {
      throw new ConflictError(
        `Secret ${name} is pinned by ${
          pin.source === 'config'
            ? `the configuration key ${pin.pinnedBy}`
            : `the environment variable ${pin.pinnedBy}`
        }, which wins over a stored value; change it there instead.`,
      );
    }
    validateValue(definition, value);
    return this.#write({ definition, value, expectedVersion, actor });
  }

  /**
   * The one write path of a stored value (set, and restore of an earlier
   * version): compare-and-set, retried when another writer got in between
   * (unless the caller asked for a specific version: then that is a
   * conflict), then the change event. Versions continue after a clear:
   * (name, version) is never reused, so nothing written earlier can be
   * mistaken for the new value.
   */
  async #write(options: {
    definition: RegisteredSecret;
    value: string;
    expectedVersion?: number;
    actor: string;
  }): Promise<SecretSummary> {
    const { definition, value, expectedVersion, actor } = options;
    const { name } = definition;
    for (let attempt = 0; attempt < 10; attempt++) {
      const previous = await this.options.store.getVersion(name);
      const currentVersion = previous?.live ? previous.version : 0;
      if (expectedVersion !== undefined && expectedVersion !== currentVersion) {
        throw this.#conflict(name, expectedVersion, currentVersion);
      }
      const version = (previous?.version ?? 0) + 1;
      const result = await this.options.store.compareAndSet({
        name,
        previous,
        version,
        encrypted: this.options.cipher.encrypt(name, version, value),
        actor,
        now: new Date().toISOString(),
      });
      if (result.ok) {
        this.#undecryptable.delete(name);
        await this.options.changes?.changed({ name, scope: 'shared', version });
        return this.#summarize(definition, name, result.row);
      }
      if (expectedVersion !== undefined) {
        throw this.#conflict(name, expectedVersion, result.currentVersion);
      }
    }
    throw new ConflictError(
      `Secret ${name} is being changed by others at the same moment; try again.`,
    );
  }

  #conflict(name: string, expected: number, current: number): ConflictError {
    return new ConflictError(
      current === 0
        ? `Secret ${name} was cleared by someone else since you loaded it (you expected version ${expected}). Reload to see the current state.`
        : `Secret ${name} was changed by someone else: it is now at version ${current}, you expected version ${expected}. Reload to see who changed it, then decide whether to replace it.`,
    );
  }

  #refuseUserScoped(definition: RegisteredSecret): void {
    if (definition.scope === 'user') {
      throw new ConflictError(
        `Secret ${definition.name} holds one value per user: each user sets their own on their "My secrets" page (/settings/secrets). Admins cannot set or clear users' values.`,
      );
    }
  }

  /** Clears the stored value (its version is kept: see set). */
  async clear(name: string, actor: string): Promise<{ existed: boolean }> {
    const definition = this.options.registry.get(name);
    if (definition) this.#refuseUserScoped(definition);
    const existed = await this.options.store.clear(name, {
      actor,
      now: new Date().toISOString(),
    });
    if (!existed && !definition) {
      throw new NotFoundError(this.#notRegisteredMessage(name));
    }
    this.#undecryptable.delete(name);
    if (existed) await this.options.changes?.changed({ name, scope: 'shared' });
    return { existed };
  }

  /**
   * The value for a backend plugin: configuration, then environment, then
   * database. Records the read in memory only (flushed in batches).
   */
  async readValue(
    request: ReadRequest,
  ): Promise<{ value: string; source: SecretSource }> {
    const { name } = request;
    const definition = this.options.registry.get(name);
    this.assertMayRead(name, request.caller);
    if (definition?.scope === 'user') {
      throw new UserScopedReadError(name);
    }
    if (!definition) {
      throw new SecretNotRegisteredError(secretNotRegisteredMessage(name));
    }
    const pin = this.#pinOf(name);
    let value: string;
    let source: SecretSource;
    if (pin) {
      value = pin.value;
      source = pin.source;
    } else {
      const stored = await this.options.store.get(name);
      if (!stored) {
        throw new NotFoundError(
          `Secret ${name} is not set. ${MANAGE_PAGE_HINT}, or an operator can pin it with secrets.values.${name} in app-config.yaml or the ${secretEnvironmentVariable(
            name,
          )} environment variable.`,
        );
      }
      value = this.#decrypt(stored);
      source = 'database';
    }
    this.options.tracker.record({
      name,
      at: new Date().toISOString(),
      by: request.caller,
    });
    return { value, source };
  }

  #decrypt(stored: StoredSecret): string {
    try {
      const value = this.options.cipher.decrypt(stored.name, stored.version, {
        keyId: stored.keyId,
        ciphertext: stored.ciphertext,
      });
      this.#undecryptable.delete(stored.name);
      return value;
    } catch (error) {
      if (error instanceof SecretDecryptionError) {
        this.#undecryptable.set(stored.name, error.message);
        this.options.logger.error(error.message);
      }
      throw error;
    }
  }
}
