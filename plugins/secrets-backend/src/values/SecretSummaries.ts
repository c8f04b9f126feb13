import type {
  SecretSource,
  SecretSummary,
} from '@backstage-secrets/plugin-secrets-common';
import type { ReaderPolicy } from '../access';
import { lastCheckFields, type SecretChecks } from '../checks';
import type { ValueCipher } from '../crypto';
import type {
  SecretCheckRecord,
  SecretsStore,
  StoredSecretMetadata,
  UserSecretsStore,
} from '../database';
import type { RegisteredSecret, SecretsRegistry } from '../registry';
import type { RotationPolicy } from '../reminders';
import type { DecryptionFailures } from './DecryptionFailures';
import type { LastUsedTracker } from './LastUsedTracker';
import type { Pin, Pins } from './Pins';
import { notRegisteredError } from './refusals';

function byName(a: SecretSummary, b: SecretSummary): number {
  if (a.name < b.name) return -1;
  return a.name > b.name ? 1 : 0;
}

/**
 * What the "Manage secrets" page shows of each secret: its definition,
 * where a read gets its value now, who changed and used it when, its last
 * check and rotation dates; metadata only, never a value. Orphans (stored,
 * no longer registered) are listed too, so that they can be cleared.
 */
/** What SecretSummaries is built from. */
export interface SecretSummariesOptions {
  registry: SecretsRegistry;
  store: Pick<SecretsStore, 'listMetadata' | 'get'>;
  cipher: Pick<ValueCipher, 'canDecryptWith'>;
  tracker: Pick<LastUsedTracker, 'peek'>;
  pins: Pins;
  readers: Pick<ReaderPolicy, 'readersOf'>;
  failures: DecryptionFailures;
  rotation: RotationPolicy;
  /** the last checks; without it, summaries carry no check fields */
  checks?: Pick<SecretChecks, 'all' | 'get' | 'startedAt'>;
  /** users' own values, for the counts of user-scoped secrets */
  userStore?: Pick<UserSecretsStore, 'countUsersByName'>;
  /** entities' own values, for the counts of entity-scoped secrets */
  entityStore?: { countEntitiesByName(): Promise<Map<string, number>> };
  /** the time the `unused` flag is computed against; tests pass a fixed one */
  now?: () => Date;
  /** where app-config uses a secret, and the version loaded at start-up */
  appConfig?: (name: string) => SecretSummary['appConfig'];
}

export class SecretSummaries {
  readonly #now: () => Date;

  constructor(private readonly options: SecretSummariesOptions) {
    this.#now = options.now ?? (() => new Date());
  }

  /** Registered secrets and orphans, by name. */
  async list(): Promise<SecretSummary[]> {
    const { store, checks, pins, registry, userStore } = this.options;
    const rows = await store.listMetadata();
    const storedByName = new Map(rows.map(row => [row.name, row]));
    const lastChecks = await checks?.all();
    const allPins = pins.all();
    const definitions = registry.list();
    const userCounts = definitions.some(d => d.scope === 'user')
      ? await userStore?.countUsersByName()
      : undefined;
    const entityCounts = definitions.some(d => d.scope === 'entity')
      ? await this.options.entityStore?.countEntitiesByName()
      : undefined;
    const items: SecretSummary[] = [];
    for (const definition of definitions) {
      items.push(
        definition.scope === 'user'
          ? this.#userScoped(
              definition,
              userCounts?.get(definition.name) ?? 0,
              storedByName.get(definition.name),
            )
          : this.summarize({
              definition,
              name: definition.name,
              stored: storedByName.get(definition.name),
              pins: allPins,
              check: lastChecks?.get(definition.name),
              entityValueCount:
                definition.scope === 'entity'
                  ? entityCounts?.get(definition.name) ?? 0
                  : undefined,
            }),
      );
      storedByName.delete(definition.name);
    }
    for (const orphan of storedByName.values()) {
      items.push(this.summarize({ name: orphan.name, stored: orphan }));
    }
    // Names are ASCII by rule: a plain comparison sorts them, without the
    // cost of locale collation.
    return items.sort(byName);
  }

  /** One secret, registered or orphaned. */
  async summary(name: string): Promise<SecretSummary> {
    const definition = this.options.registry.get(name);
    const stored = await this.options.store.get(name);
    if (!definition && !stored) throw notRegisteredError(name);
    const check = await this.options.checks?.get(name);
    const entityValueCount =
      definition?.scope === 'entity'
        ? (await this.options.entityStore?.countEntitiesByName())?.get(name) ??
          0
        : undefined;
    return this.summarize({
      definition,
      name,
      stored,
      check,
      entityValueCount,
    });
  }

  /**
   * The summary of a shared secret from what is known of it: its definition
   * (none for an orphan), its stored row, the pins (looked up when not
   * given) and its last check.
   */
  summarize(options: {
    definition?: RegisteredSecret;
    name: string;
    stored: StoredSecretMetadata | undefined;
    pins?: Map<string, Pin>;
    check?: SecretCheckRecord;
    /** for an entity-scoped secret: how many entities have a value of their own */
    entityValueCount?: number;
  }): SecretSummary {
    const { definition, name, stored, check } = options;
    if (definition?.scope === 'user') return this.#userScoped(definition, 0);
    const { cipher, tracker, failures, checks } = this.options;
    let pin: Pin | undefined;
    if (definition) {
      pin = options.pins ? options.pins.get(name) : this.options.pins.of(name);
    }
    let source: SecretSource = 'unset';
    if (pin) source = pin.source;
    else if (stored) source = 'database';
    const lastUsed = tracker.peek(name);
    const lastUsedAt = lastUsed?.at ?? stored?.lastUsedAt;
    const lastUsedBy = lastUsed
      ? lastUsed.onBehalfOf ?? lastUsed.by
      : stored?.lastUsedOnBehalfOf ?? stored?.lastUsedBy;
    const lastUsedVia = lastUsed
      ? lastUsed.onBehalfOf && lastUsed.by
      : stored?.lastUsedOnBehalfOf && stored?.lastUsedBy;
    const appConfig = definition ? this.options.appConfig?.(name) : undefined;
    let error: string | undefined;
    if (stored && !cipher.canDecryptWith(stored)) {
      error =
        stored.provider && stored.provider !== 'local'
          ? `The stored value's data key was wrapped by key provider '${stored.provider}' with key '${stored.keyId}', which is not available; it cannot be read. Install that provider (or add the key back to secrets.encryption.keys for 'local') or set the secret again.`
          : `The stored value is encrypted with key '${stored.keyId}', which is not configured; it cannot be read. Add the key back to secrets.encryption.keys or set the secret again.`;
    } else if (stored && failures.has(name)) {
      error = failures.messageOf(name);
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
      ...(definition ? { readers: this.options.readers.readersOf(name) } : {}),
      ...(definition?.scope === 'entity'
        ? {
            scope: 'entity' as const,
            ...(options.entityValueCount !== undefined
              ? { entityValueCount: options.entityValueCount }
              : {}),
            entityKinds: definition.entityKinds,
          }
        : { scope: 'shared' as const }),
      ...(appConfig ? { appConfig } : {}),
      error,
      checkable: Boolean(definition?.validate),
      ...(checks
        ? lastCheckFields(
            check,
            { source, version: stored?.version },
            checks.startedAt,
          )
        : {}),
      ...this.options.rotation.summaryFields({
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
  #userScoped(
    definition: RegisteredSecret,
    userValueCount: number,
    strandedShared?: StoredSecretMetadata,
  ): SecretSummary {
    return {
      ...(strandedShared
        ? {
            error: `A shared value of ${definition.name} from before it held one value per user is still stored (version ${strandedShared.version}); no read uses it. Delete it and its history with DELETE /api/secrets/secrets/${definition.name}?purge=true.`,
          }
        : {}),
      name: definition.name,
      registered: true,
      description: definition.description,
      obtainUrl: definition.obtainUrl,
      obtainLabel: definition.obtainLabel,
      format: definition.format,
      source: 'unset',
      readers: this.options.readers.readersOf(definition.name),
      scope: 'user',
      userValueCount,
    };
  }
}
