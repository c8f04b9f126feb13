import type { Config } from '@backstage/config';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  CheckSecretResponse,
  secretEnvironmentVariable,
  SECRET_ENV_PREFIX,
  secretNotRegisteredMessage,
  SecretSource,
  SecretSummary,
  SecretVersion,
} from '@backstage-secrets/plugin-secrets-common';
import { SecretCipher, SecretDecryptionError } from '../crypto/SecretCipher';
import { DEFAULT_HISTORY_KEEP } from '../database/secretHistory';
import type {
  SecretsStore,
  StoredSecret,
  StoredSecretMetadata,
} from '../database/SecretsStore';
import type { UserSecretsStore } from '../database/UserSecretsStore';
import type { SecretCheckRecord } from '../database/SecretChecksStore';
import { lastCheckFields, type SecretChecks } from './SecretChecks';
import { validateValue } from './valueRules';
import type { LastUsedTracker } from './LastUsedTracker';
import type { SecretChangeEvents } from './changeEvents';
import type { RegisteredSecret, SecretsRegistry } from './SecretsRegistry';
import { RotationPolicy } from './rotationPolicy';

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

/** Compare-and-set attempts of an unconditional write before it gives up. */
const WRITE_ATTEMPTS = 20;

/**
 * A short random wait before retrying a lost compare-and-set: writers that
 * lost to each other then retry at different moments instead of colliding
 * again (full jitter, at most ~100 ms).
 */
function backOff(attempt: number): Promise<void> {
  const ceilingMs = Math.min(100, 2 ** attempt);
  return new Promise(resolve => setTimeout(resolve, Math.random() * ceilingMs));
}

/**
 * The secrets plugin's logic: precedence of pins over stored values,
 * validation of writes, encryption, optimistic concurrency.
 */
export class SecretsManager {
  /** Names whose stored row failed to decrypt, so the list can mark them. */
  readonly #undecryptable = new Map<string, string>();
  readonly #rotation: RotationPolicy;
  readonly #now: () => Date;

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
      /** rotateEvery and unusedAfter; read from config when absent */
      rotation?: RotationPolicy;
      /** the time the `unused` flag is computed against; tests pass a fixed one */
      now?: () => Date;
      /** versions kept per secret (`secrets.history.keep`); default 10 */
      historyKeep?: number;
      /** runs and records definitions' checks (validate) */
      checks?: SecretChecks;
      /** tells readers on every instance which name changed */
      changes?: SecretChangeEvents;
    },
  ) {
    this.#rotation =
      options.rotation ?? RotationPolicy.fromConfig(options.config);
    this.#now = options.now ?? (() => new Date());
  }

  /** The rotation settings, shared with the reminder task. */
  get rotation(): RotationPolicy {
    return this.#rotation;
  }

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
    check?: SecretCheckRecord,
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
      checkable: Boolean(definition?.validate),
      ...(this.options.checks
        ? lastCheckFields(
            check,
            { source, version: stored?.version },
            this.options.checks.startedAt,
          )
        : {}),
      ...this.#rotation.summaryFields({
        name,
        definition,
        summary: { source, updatedAt: stored?.updatedAt, lastUsedAt },
        now: this.#now(),
      }),
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
    const checks = await this.options.checks?.all();
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
          checks?.get(definition.name),
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
    const check = await this.options.checks?.get(name);
    return this.#summarize(definition, name, stored, undefined, check);
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
    /** save without running the definition's check */
    skipValidation?: boolean;
  }): Promise<SecretSummary> {
    const { skipValidation, ...write } = options;
    const definition = this.#writable(options.name);
    validateValue(definition, options.value);
    // The provider's check, time-boxed; a value it refuses is not stored.
    const checks = this.options.checks;
    const checkedAt =
      checks && definition.validate && !skipValidation
        ? await checks.assertValid(
            options.name,
            definition.validate,
            options.value,
          )
        : undefined;
    return this.#write({ definition, ...write, checkedAt });
  }

  /**
   * Writes a recorded version's value again, as a new version (history is
   * never rewritten). A row that fails to decrypt (altered, or copied from
   * another name or version) fails like a current row and stores nothing.
   */
  async restore(options: {
    name: string;
    version: number;
    expectedVersion?: number;
    actor: string;
  }): Promise<SecretSummary> {
    const { name, version } = options;
    const definition = this.#writable(name);
    const recorded = await this.options.store.getHistoryVersion(name, version);
    if (!recorded) {
      throw new NotFoundError(
        `Secret ${name} has no version ${version} in its history: only the last ${
          this.#historyKeep
        } versions are kept, and a purge removes them all.`,
      );
    }
    let value: string;
    try {
      value = this.options.cipher.decrypt(name, version, recorded);
    } catch (error) {
      if (error instanceof SecretDecryptionError) {
        this.options.logger.error(
          `Restoring version ${version}: ${error.message}`,
        );
      }
      throw error;
    }
    // The value passed the format rules when it was set; the rules may
    // have changed since, and a restore must not store what a set refuses.
    validateValue(definition, value);
    return this.#write({
      definition,
      name,
      value,
      expectedVersion: options.expectedVersion,
      actor: options.actor,
      restoredFrom: version,
    });
  }

  /** A secret's recorded versions, newest first; metadata only. */
  async versions(name: string): Promise<SecretVersion[]> {
    const recorded = await this.options.store.listVersions(name);
    if (
      recorded.length === 0 &&
      !this.options.registry.get(name) &&
      !(await this.options.store.getVersion(name))
    ) {
      throw new NotFoundError(this.#notRegisteredMessage(name));
    }
    return recorded.map(entry => ({
      version: entry.version,
      createdAt: entry.createdAt,
      createdBy: entry.createdBy,
      ...(entry.restoredFrom === undefined
        ? {}
        : { restoredFrom: entry.restoredFrom }),
    }));
  }

  get #historyKeep(): number {
    return this.options.historyKeep ?? DEFAULT_HISTORY_KEEP;
  }

  /**
   * The definition of a name whose stored value may be written: a
   * registered, shared secret that no configuration or environment pins.
   */
  #writable(name: string): RegisteredSecret {
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
    return definition;
  }

  /**
   * The one write path of shared values (set and restore): compare-and-set
   * of the value together with its history row. Whatever must happen on
   * every change of a stored value (e.g. change events) belongs here.
   */
  async #write(options: {
    definition: RegisteredSecret;
    name: string;
    value: string;
    expectedVersion?: number;
    actor: string;
    restoredFrom?: number;
    /** when the value's check passed just before this write */
    checkedAt?: string;
  }): Promise<SecretSummary> {
    const { definition, name, value, expectedVersion, actor, checkedAt } =
      options;
    const checks = this.options.checks;
    // Compare-and-set, retried when another writer got in between (unless
    // the caller asked for a specific version: then that is a conflict).
    // Versions continue after a clear: (name, version) is never reused, so
    // nothing written earlier can be mistaken for the new value.
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      if (attempt > 0) await backOff(attempt);
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
        history: {
          keep: this.#historyKeep,
          restoredFrom: options.restoredFrom,
        },
      });
      if (result.ok) {
        this.#undecryptable.delete(name);
        await this.options.changes?.changed({ name, scope: 'shared', version });
        // A save whose check passed is a passed check of the new version;
        // any other save leaves the last check stale (another version).
        let check: SecretCheckRecord | undefined;
        if (checks && checkedAt) {
          check = { name, checkedAt, ok: true, source: 'database', version };
          await checks.record(check);
        }
        return this.#summarize(definition, name, result.row, undefined, check);
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
   * Clears the stored value and removes its whole history. The tombstone
   * stays, so versions keep counting up and no purged ciphertext can ever
   * match a (name, version) again.
   */
  async purge(
    name: string,
    actor: string,
  ): Promise<{ existed: boolean; versions: number }> {
    const definition = this.options.registry.get(name);
    if (definition) this.#refuseUserScoped(definition);
    const result = await this.options.store.purge(name, {
      actor,
      now: new Date().toISOString(),
    });
    if (!result.existed && result.versions === 0 && !definition) {
      throw new NotFoundError(this.#notRegisteredMessage(name));
    }
    this.#undecryptable.delete(name);
    if (result.existed) {
      await this.options.changes?.changed({ name, scope: 'shared' });
    }
    return result;
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
    const current = await this.#currentValue(name);
    if (!current) {
      throw new NotFoundError(
        `Secret ${name} is not set. ${MANAGE_PAGE_HINT}, or an operator can pin it with secrets.values.${name} in app-config.yaml or the ${secretEnvironmentVariable(
          name,
        )} environment variable.`,
      );
    }
    const { value, source } = current;
    this.options.tracker.record({
      name,
      at: new Date().toISOString(),
      by: request.caller,
    });
    return { value, source };
  }

  /**
   * The value a read gets now (configuration, then environment, then
   * database) and where it comes from; undefined when unset.
   */
  async #currentValue(name: string): Promise<
    | {
        value: string;
        source: Exclude<SecretSource, 'unset'>;
        version?: number;
      }
    | undefined
  > {
    const pin = this.#pinOf(name);
    if (pin) return { value: pin.value, source: pin.source };
    const stored = await this.options.store.get(name);
    if (!stored) return undefined;
    return {
      value: this.#decrypt(stored),
      source: 'database',
      version: stored.version,
    };
  }

  /**
   * Runs the definition's check on the value a read would get now, and
   * records the outcome. A failed check is an answer (ok: false), not an
   * error: the check ran. Not a use of the secret (last-used is untouched).
   */
  async check(name: string): Promise<CheckSecretResponse> {
    const definition = this.options.registry.get(name);
    if (!definition) {
      throw new NotFoundError(
        `Secret ${name} is not registered: no installed plugin declares it, so there is nothing to check.`,
      );
    }
    const checks = this.options.checks;
    if (!definition.validate || !checks) {
      throw new InputError(
        `Secret ${name} cannot be checked: the plugin that registers it (${definition.registeredBy}) gives no validate function.`,
      );
    }
    const current = await this.#currentValue(name);
    if (!current) {
      throw new NotFoundError(
        `Secret ${name} is not set, so there is no value to check. ${MANAGE_PAGE_HINT}.`,
      );
    }
    const outcome = await checks.run(name, definition.validate, current.value);
    const checkedAt = new Date().toISOString();
    await checks.record({
      name,
      checkedAt,
      ok: outcome.ok,
      source: current.source,
      version: current.version,
    });
    return {
      ok: outcome.ok,
      ...(outcome.message === undefined ? {} : { message: outcome.message }),
      checkedAt,
    };
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
