import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  userSecretNotAllowedMessage,
  userSecretNotSetMessage,
  type UserSecretSummary,
} from '@backstage-secrets/plugin-secrets-common';
import { SecretDecryptionError, type ValueCipher } from '../crypto';
import {
  retryCompareAndSet,
  type StoredGrant,
  type StoredUserSecretMetadata,
  type UserLastUsedRecord,
  type UserSecretsStore,
} from '../database';
import type { SecretChangeEvents } from '../events';
import type { RegisteredSecret, SecretsRegistry } from '../registry';
import { type LastUsedTracker, validateValue } from '../values';

/**
 * Users' own values of user-scoped secrets ("bring your own"): each user
 * sets, replaces and clears their value, and allows or revokes each reader
 * plugin. A plugin reads a user's value only on behalf of that user, only
 * if it is a reader and the user allowed it.
 */
export class UserSecretsManager {
  constructor(
    private readonly options: {
      registry: SecretsRegistry;
      /** the readers of a secret (definition, or config which wins) */
      readersOf: (name: string) => string[] | undefined;
      store: UserSecretsStore;
      cipher: ValueCipher;
      tracker: LastUsedTracker<UserLastUsedRecord>;
      logger: LoggerService;
      /** tells readers on every instance which name changed (for all users) */
      changes?: SecretChangeEvents;
    },
  ) {}

  /**
   * The event of a change to any user's value or grant of a name: the
   * payload names no user, so readers drop the name for every user.
   */
  async #changed(name: string, version?: number): Promise<void> {
    await this.options.changes?.changed({ name, scope: 'user', version });
  }

  /** The user-scoped definition of a name, or a 404 that says why not. */
  #definition(name: string): RegisteredSecret {
    const definition = this.options.registry.get(name);
    if (!definition || definition.scope !== 'user') {
      throw new NotFoundError(
        definition
          ? `Secret ${name} is not a per-user secret: it has one shared value, which admins manage.`
          : `Secret ${name} is not registered as a per-user secret by any installed plugin.`,
      );
    }
    return definition;
  }

  #summarize(
    definition: RegisteredSecret,
    userRef: string,
    stored: StoredUserSecretMetadata | undefined,
    grants: StoredGrant[],
  ): UserSecretSummary {
    const readers = this.options.readersOf(definition.name) ?? [];
    const lastUsed = this.options.tracker.peek(
      userSecretKey(definition.name, userRef),
    );
    return {
      name: definition.name,
      description: definition.description,
      obtainUrl: definition.obtainUrl,
      obtainLabel: definition.obtainLabel,
      format: definition.format,
      set: Boolean(stored),
      version: stored?.version,
      updatedAt: stored?.updatedAt,
      lastUsedAt: lastUsed?.at ?? stored?.lastUsedAt,
      lastUsedBy: lastUsed?.by ?? stored?.lastUsedBy,
      grants: readers.map(pluginId => ({
        pluginId,
        allowed: grants.some(
          grant =>
            grant.name === definition.name &&
            grant.pluginId === pluginId &&
            grant.allowed,
        ),
      })),
    };
  }

  /**
   * Every user-scoped secret as this user sees it, and every value the user
   * stored under a name no installed plugin declares per user any more
   * (`registered: false`): the user can still clear it.
   */
  async list(userRef: string): Promise<UserSecretSummary[]> {
    const definitions = this.options.registry
      .list()
      .filter(definition => definition.scope === 'user');
    const [stored, grants] = await Promise.all([
      this.options.store.listForUser(userRef),
      this.options.store.grantsOf(userRef),
    ]);
    const byName = new Map(stored.map(row => [row.name, row]));
    const items = definitions.map(definition => {
      const row = byName.get(definition.name);
      byName.delete(definition.name);
      return this.#summarize(definition, userRef, row, grants);
    });
    for (const orphan of byName.values()) {
      items.push(this.#orphan(orphan));
    }
    return items.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** A stored value of a name that is no per-user secret any more. */
  #orphan(stored: StoredUserSecretMetadata): UserSecretSummary {
    return {
      name: stored.name,
      registered: false,
      format: 'text',
      set: true,
      version: stored.version,
      updatedAt: stored.updatedAt,
      lastUsedAt: stored.lastUsedAt,
      lastUsedBy: stored.lastUsedBy,
      grants: [],
    };
  }

  /**
   * Drops the grants of plugins that are no longer readers of a per-user
   * secret (or of names no longer declared per user), so a plugin that
   * becomes a reader again, or a name registered again, asks each user for
   * consent again. Run at start-up; the count dropped.
   */
  async dropStaleGrants(): Promise<number> {
    let dropped = 0;
    for (const {
      name,
      pluginId,
    } of await this.options.store.listGrantedPlugins()) {
      const definition = this.options.registry.get(name);
      const readers =
        definition?.scope === 'user' ? this.options.readersOf(name) ?? [] : [];
      if (!readers.includes(pluginId)) {
        dropped += await this.options.store.deleteGrants(name, pluginId);
      }
    }
    return dropped;
  }

  async summary(name: string, userRef: string): Promise<UserSecretSummary> {
    const definition = this.#definition(name);
    const [stored, grants] = await Promise.all([
      this.options.store.get(name, userRef),
      this.options.store.grantsOf(userRef),
    ]);
    return this.#summarize(definition, userRef, stored, grants);
  }

  /** Sets or replaces the user's own value. */
  async set(options: {
    name: string;
    userRef: string;
    value: string;
    expectedVersion?: number;
  }): Promise<UserSecretSummary> {
    const { name, userRef, value, expectedVersion } = options;
    const definition = this.#definition(name);
    validateValue(definition, value);
    const version = await retryCompareAndSet({
      attempt: async () => {
        const previous = await this.options.store.getVersion(name, userRef);
        const current = previous?.live ? previous.version : 0;
        if (expectedVersion !== undefined && expectedVersion !== current) {
          throw new ConflictError(
            `Your value of ${name} changed since you loaded it (it is at version ${current}, you expected ${expectedVersion}). Reload and try again.`,
          );
        }
        const next = (previous?.version ?? 0) + 1;
        const result = await this.options.store.compareAndSet({
          name,
          userRef,
          previous,
          version: next,
          encrypted: await this.options.cipher.encrypt(
            name,
            next,
            value,
            userRef,
          ),
          now: new Date().toISOString(),
        });
        if (result.ok) return { won: next };
        // Asked for a specific version: another writer got in between.
        if (expectedVersion !== undefined) {
          throw new ConflictError(
            `Your value of ${name} changed since you loaded it (it is at version ${result.currentVersion}). Reload and try again.`,
          );
        }
        return 'lost';
      },
      exhausted: () =>
        new ConflictError(
          `Your value of ${name} is being changed elsewhere at the same moment; try again.`,
        ),
    });
    await this.#changed(name, version);
    return this.summary(name, userRef);
  }

  /**
   * Clears the user's own value; grants stay as they are. Also a value
   * stored under a name that is no per-user secret any more: nothing of
   * the user's must be impossible to delete.
   */
  async clear(name: string, userRef: string): Promise<{ existed: boolean }> {
    if (!(await this.options.store.get(name, userRef))) this.#definition(name);
    const existed = await this.options.store.clear(
      name,
      userRef,
      new Date().toISOString(),
    );
    if (existed) await this.#changed(name);
    return { existed };
  }

  /** Allows or revokes one reader plugin's use of the user's value. */
  async setGrant(options: {
    name: string;
    userRef: string;
    pluginId: string;
    allowed: boolean;
  }): Promise<UserSecretSummary> {
    const { name, userRef, pluginId, allowed } = options;
    this.#definition(name);
    const readers = this.options.readersOf(name) ?? [];
    if (!readers.includes(pluginId)) {
      throw new InputError(
        `Plugin ${pluginId} is not a reader of ${name}; only ${
          readers.length ? readers.join(', ') : 'no plugin'
        } can be allowed to use it.`,
      );
    }
    await this.options.store.setGrant({
      name,
      userRef,
      pluginId,
      allowed,
      now: new Date().toISOString(),
    });
    // A revoked grant must stop being served by readers that cached it.
    await this.#changed(name);
    return this.summary(name, userRef);
  }

  /**
   * A user's value for a reader plugin acting on their behalf: refused
   * unless the user allowed that plugin; a 404 that tells the user where to
   * set it when unset. Records the use in memory (flushed in batches).
   */
  async readValue(options: {
    name: string;
    userRef: string;
    /** `plugin:<id>` */
    caller: string;
  }): Promise<string> {
    const { name, userRef, caller } = options;
    const pluginId = caller.slice('plugin:'.length);
    const allowed = await this.options.store.isAllowed(name, userRef, pluginId);
    if (!allowed) {
      throw new NotAllowedError(
        userSecretNotAllowedMessage(userRef, name, pluginId),
      );
    }
    const stored = await this.options.store.get(name, userRef);
    if (!stored) {
      throw new NotFoundError(userSecretNotSetMessage(userRef, name));
    }
    let value: string;
    try {
      value = await this.options.cipher.decrypt(
        name,
        stored.version,
        stored,
        userRef,
      );
    } catch (error) {
      if (error instanceof SecretDecryptionError) {
        this.options.logger.error(`${error.message} (the value of ${userRef})`);
      }
      throw error;
    }
    this.options.tracker.record({
      name,
      userRef,
      at: new Date().toISOString(),
      by: caller,
    });
    return value;
  }
}

/** The key of a user's value in the last-used tracker. */
export function userSecretKey(name: string, userRef: string): string {
  return `${name}\u0000${userRef}`;
}
