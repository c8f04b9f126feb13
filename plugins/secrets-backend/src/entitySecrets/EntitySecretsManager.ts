import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  entitySecretNotSetMessage,
  type EntitySecretSummary,
} from '@backstage-secrets/plugin-secrets-common';
import type { SecretChecks } from '../checks';
import { SecretDecryptionError, type ValueCipher } from '../crypto';
import { retryCompareAndSet } from '../database';
import type { SecretChangeEvents } from '../events';
import type { RegisteredSecret, SecretsRegistry } from '../registry';
import { type LastUsedTracker, validateValue } from '../values';
import { kindOf } from './entityRefs';
import type {
  EntityLastUsedRecord,
  EntitySecretsStore,
  StoredEntitySecretMetadata,
} from './EntitySecretsStore';

/** The key of an entity's value in the last-used tracker. */
export function entitySecretKey(name: string, entityRef: string): string {
  return `${name}\u0000${entityRef}`;
}

/**
 * Entities' own values of entity-scoped secrets: list, set, replace and
 * clear an entity's values (who may do so is decided by the routes, with
 * `secrets.entity.manage` on the entity), and the reads of backend plugins
 * (the entity's value, else the default, else a 404 that says where to set
 * it). Entity refs reaching this class are normalized (entityRefs.ts).
 */
export class EntitySecretsManager {
  constructor(
    private readonly options: {
      registry: SecretsRegistry;
      store: EntitySecretsStore;
      cipher: ValueCipher;
      tracker: LastUsedTracker<EntityLastUsedRecord>;
      logger: LoggerService;
      /** the default value (a shared value of the same name: pin or stored), or undefined */
      defaultValue: (name: string) => Promise<string | undefined>;
      /** whether a default value exists, without decrypting it */
      hasDefault: (name: string) => Promise<boolean>;
      /** runs definitions' checks (validate) */
      checks?: Pick<SecretChecks, 'assertValid'>;
      /** tells readers on every instance which (name, entity) changed */
      changes?: Pick<SecretChangeEvents, 'changed'>;
    },
  ) {}

  /** The entity-scoped definitions that apply to a kind. */
  definitionsFor(kind: string): RegisteredSecret[] {
    return this.options.registry
      .list()
      .filter(
        definition =>
          definition.scope === 'entity' && appliesTo(definition, kind),
      )
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Whether any entity-scoped secret applies to a kind. */
  hasSecretsFor(kind: string): boolean {
    return this.definitionsFor(kind).length > 0;
  }

  /** Whether a registered name holds one value per entity. */
  isEntityScoped(name: string): boolean {
    return this.options.registry.get(name)?.scope === 'entity';
  }

  /** The entity-scoped definition of a name, or a 404 that says why not. */
  definition(name: string): RegisteredSecret {
    const definition = this.options.registry.get(name);
    if (!definition || definition.scope !== 'entity') {
      throw new NotFoundError(
        definition
          ? `Secret ${name} is not an entity-scoped secret: it has ${
              definition.scope === 'user'
                ? 'one value per user'
                : 'one shared value, which admins manage'
            }.`
          : `Secret ${name} is not registered as an entity-scoped secret by any installed plugin.`,
      );
    }
    return definition;
  }

  /** The definition, refusing (400) an entity of a kind it does not apply to. */
  #definitionFor(name: string, entityRef: string): RegisteredSecret {
    const definition = this.definition(name);
    const kind = kindOf(entityRef);
    if (!appliesTo(definition, kind)) {
      throw new InputError(
        `Secret ${name} applies to entities of kind ${(
          definition.entityKinds ?? []
        ).join(', ')}, not to ${entityRef}.`,
      );
    }
    return definition;
  }

  async #summarize(
    definition: RegisteredSecret,
    entityRef: string,
    stored: StoredEntitySecretMetadata | undefined,
    canManage: boolean,
  ): Promise<EntitySecretSummary> {
    const lastUsed = this.options.tracker.peek(
      entitySecretKey(definition.name, entityRef),
    );
    let source: EntitySecretSummary['source'] = 'unset';
    if (stored) source = 'entity';
    else if (await this.options.hasDefault(definition.name)) source = 'default';
    const summary: EntitySecretSummary = {
      name: definition.name,
      description: definition.description,
      obtainUrl: definition.obtainUrl,
      obtainLabel: definition.obtainLabel,
      format: definition.format,
      entityRef,
      source,
      version: stored?.version,
      updatedAt: stored?.updatedAt,
      updatedBy: stored?.updatedBy,
      lastUsedAt: lastUsed?.at ?? stored?.lastUsedAt,
      lastUsedBy: lastUsed?.by ?? stored?.lastUsedBy,
      canManage,
    };
    return Object.fromEntries(
      Object.entries(summary).filter(([, value]) => value !== undefined),
    ) as EntitySecretSummary;
  }

  /** Every entity-scoped secret of the entity's kind, as the entity has it. */
  async list(
    entityRef: string,
    canManage: boolean,
  ): Promise<EntitySecretSummary[]> {
    const definitions = this.definitionsFor(kindOf(entityRef));
    if (definitions.length === 0) return [];
    const stored = await this.options.store.listForEntity(entityRef);
    const byName = new Map(stored.map(row => [row.name, row]));
    return Promise.all(
      definitions.map(definition =>
        this.#summarize(
          definition,
          entityRef,
          byName.get(definition.name),
          canManage,
        ),
      ),
    );
  }

  async summary(
    name: string,
    entityRef: string,
    canManage: boolean,
  ): Promise<EntitySecretSummary> {
    const definition = this.#definitionFor(name, entityRef);
    const stored = await this.options.store.get(name, entityRef);
    return this.#summarize(definition, entityRef, stored, canManage);
  }

  /** Sets or replaces the entity's own value. */
  async set(options: {
    name: string;
    entityRef: string;
    value: string;
    expectedVersion?: number;
    skipValidation?: boolean;
    actor: string;
  }): Promise<EntitySecretSummary> {
    const { name, entityRef, value, expectedVersion, actor } = options;
    const definition = this.#definitionFor(name, entityRef);
    validateValue(definition, value);
    const { checks } = this.options;
    if (checks && definition.validate && !options.skipValidation) {
      await checks.assertValid(name, definition.validate, value);
    }
    const owner = { entityRef };
    const version = await retryCompareAndSet({
      attempt: async () => {
        const previous = await this.options.store.getVersion(name, entityRef);
        const current = previous?.live ? previous.version : 0;
        if (expectedVersion !== undefined && expectedVersion !== current) {
          throw new ConflictError(
            `The value of ${name} for ${entityRef} changed since you loaded it (it is at version ${current}, you expected ${expectedVersion}). Reload and try again.`,
          );
        }
        const next = (previous?.version ?? 0) + 1;
        const result = await this.options.store.compareAndSet({
          name,
          entityRef,
          previous,
          version: next,
          encrypted: await this.options.cipher.encrypt(
            name,
            next,
            value,
            owner,
          ),
          actor,
          now: new Date().toISOString(),
        });
        if (result.ok) return { won: next };
        if (expectedVersion !== undefined) {
          throw new ConflictError(
            `The value of ${name} for ${entityRef} changed since you loaded it (it is at version ${result.currentVersion}). Reload and try again.`,
          );
        }
        return 'lost';
      },
      exhausted: () =>
        new ConflictError(
          `The value of ${name} for ${entityRef} is being changed elsewhere at the same moment; try again.`,
        ),
    });
    await this.options.changes?.changed({
      name,
      scope: 'entity',
      version,
      entityRef,
    });
    return this.summary(name, entityRef, true);
  }

  /** Clears the entity's own value (reads fall back to the default). */
  async clear(
    name: string,
    entityRef: string,
    actor: string,
  ): Promise<{ existed: boolean }> {
    if (!(await this.options.store.get(name, entityRef))) {
      this.#definitionFor(name, entityRef);
    }
    const existed = await this.options.store.clear(
      name,
      entityRef,
      actor,
      new Date().toISOString(),
    );
    if (existed) {
      await this.options.changes?.changed({ name, scope: 'entity', entityRef });
    }
    return { existed };
  }

  /**
   * The value for a backend plugin reading for an entity (the caller is
   * among the readers: the access gate checked): the entity's own value,
   * else the default, else a 404 naming the entity and where its owners
   * set it. Records the use in memory (flushed in batches).
   */
  async readValue(options: {
    name: string;
    entityRef: string;
    /** `plugin:<id>` */
    caller: string;
  }): Promise<{ value: string; source: 'entity' | 'default' }> {
    const { name, entityRef, caller } = options;
    this.#definitionFor(name, entityRef);
    const stored = await this.options.store.get(name, entityRef);
    if (stored) {
      let value: string;
      try {
        value = await this.options.cipher.decrypt(
          name,
          stored.version,
          stored,
          {
            entityRef,
          },
        );
      } catch (error) {
        if (error instanceof SecretDecryptionError) {
          this.options.logger.error(
            `${error.message} (the value of ${entityRef})`,
          );
        }
        throw error;
      }
      this.options.tracker.record({
        name,
        entityRef,
        at: new Date().toISOString(),
        by: caller,
      });
      return { value, source: 'entity' };
    }
    const fallback = await this.options.defaultValue(name);
    if (fallback === undefined) {
      throw new NotFoundError(entitySecretNotSetMessage(entityRef, name));
    }
    return { value: fallback, source: 'default' };
  }
}

function appliesTo(definition: RegisteredSecret, kind: string): boolean {
  const lower = kind.toLocaleLowerCase('en-US');
  return (definition.entityKinds ?? ['Component']).some(
    k => k.toLocaleLowerCase('en-US') === lower,
  );
}
