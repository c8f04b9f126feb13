import { ConflictError } from '@backstage/errors';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import type { SecretChecks } from '../checks';
import type { ValueCipher } from '../crypto';
import {
  retryCompareAndSet,
  type SecretCheckRecord,
  type SecretsStore,
} from '../database';
import type { SecretChangeEvents } from '../events';
import type { RegisteredSecret, SecretsRegistry } from '../registry';
import type { DecryptionFailures } from './DecryptionFailures';
import type { Pins } from './Pins';
import { notRegisteredError, refuseUserScoped } from './refusals';
import type { SecretSummaries } from './SecretSummaries';
import { validateValue } from './valueRules';

/** What every change of a stored shared value needs besides its value. */
export interface SharedValueWrite {
  definition: RegisteredSecret;
  name: string;
  value: string;
  /** the version the writer saw; another one is a conflict, not a retry */
  expectedVersion?: number;
  actor: string;
  /** the version whose value this write restores (history/) */
  restoredFrom?: number;
  /** when the value's check passed just before this write */
  checkedAt?: string;
}

/**
 * Changes of the stored shared values: set (after the value rules and the
 * provider's check), clear, and purge. Every write is a compare-and-set of
 * the value with its history row; every change is announced to readers.
 */
export class SharedValueWrites {
  constructor(
    private readonly options: {
      registry: SecretsRegistry;
      store: Pick<
        SecretsStore,
        'getVersion' | 'compareAndSet' | 'clear' | 'purge'
      >;
      cipher: Pick<ValueCipher, 'encrypt'>;
      pins: Pins;
      summaries: Pick<SecretSummaries, 'summarize'>;
      failures: DecryptionFailures;
      /** versions kept per secret (`secrets.history.keep`) */
      historyKeep: number;
      /** runs and records definitions' checks (validate) */
      checks?: Pick<SecretChecks, 'assertValid' | 'record'>;
      /** tells readers on every instance which name changed */
      changes?: Pick<SecretChangeEvents, 'changed'>;
    },
  ) {}

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
    const definition = this.writable(options.name);
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
    return this.write({ definition, ...write, checkedAt });
  }

  /**
   * The definition of a name whose stored value may be written: a
   * registered, shared secret that no configuration or environment pins.
   */
  writable(name: string): RegisteredSecret {
    const definition = this.options.registry.get(name);
    if (!definition) throw notRegisteredError(name);
    refuseUserScoped(definition);
    const pin = this.options.pins.of(name);
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
   * The one write path of shared values (set, and restore in history/):
   * compare-and-set of the value together with its history row. Whatever
   * must happen on every change of a stored value (e.g. change events)
   * belongs here.
   */
  async write(options: SharedValueWrite): Promise<SecretSummary> {
    const { definition, name, value, expectedVersion, actor, checkedAt } =
      options;
    const { store, cipher, checks } = this.options;
    // Versions continue after a clear: (name, version) is never reused, so
    // nothing written earlier can be mistaken for the new value.
    const { version, row } = await retryCompareAndSet({
      attempt: async () => {
        const previous = await store.getVersion(name);
        const currentVersion = previous?.live ? previous.version : 0;
        if (
          expectedVersion !== undefined &&
          expectedVersion !== currentVersion
        ) {
          throw conflict(name, expectedVersion, currentVersion);
        }
        const next = (previous?.version ?? 0) + 1;
        const result = await store.compareAndSet({
          name,
          previous,
          version: next,
          encrypted: await cipher.encrypt(name, next, value),
          actor,
          now: new Date().toISOString(),
          history: {
            keep: this.options.historyKeep,
            restoredFrom: options.restoredFrom,
          },
        });
        if (result.ok) return { won: { version: next, row: result.row } };
        // Asked for a specific version: another writer got in between.
        if (expectedVersion !== undefined) {
          throw conflict(name, expectedVersion, result.currentVersion);
        }
        return 'lost';
      },
      exhausted: () =>
        new ConflictError(
          `Secret ${name} is being changed by others at the same moment; try again.`,
        ),
    });
    this.options.failures.forget(name);
    await this.options.changes?.changed({ name, scope: 'shared', version });
    // A save whose check passed is a passed check of the new version;
    // any other save leaves the last check stale (another version).
    let check: SecretCheckRecord | undefined;
    if (checks && checkedAt) {
      check = { name, checkedAt, ok: true, source: 'database', version };
      await checks.record(check);
    }
    return this.options.summaries.summarize({
      definition,
      name,
      stored: row,
      check,
    });
  }

  /**
   * Clears the stored value (its version is kept: see write). With
   * `expectedVersion` (0: no value), a value at another version is left
   * alone: ConflictError.
   */
  async clear(
    name: string,
    actor: string,
    expectedVersion?: number,
  ): Promise<{ existed: boolean }> {
    const definition = this.options.registry.get(name);
    if (definition) refuseUserScoped(definition);
    const { existed, conflict: current } = await this.options.store.clear(
      name,
      { actor, now: new Date().toISOString(), expectedVersion },
    );
    if (current !== undefined) throw conflict(name, expectedVersion!, current);
    if (!existed && !definition) throw notRegisteredError(name);
    this.options.failures.forget(name);
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
    expectedVersion?: number,
  ): Promise<{ existed: boolean; versions: number }> {
    // Whatever the scope: shared rows left from when a now per-user secret
    // had one value must be deletable (users' values are not touched).
    const definition = this.options.registry.get(name);
    const { conflict: current, ...result } = await this.options.store.purge(
      name,
      { actor, now: new Date().toISOString(), expectedVersion },
    );
    if (current !== undefined) throw conflict(name, expectedVersion!, current);
    if (!result.existed && result.versions === 0 && !definition) {
      throw notRegisteredError(name);
    }
    this.options.failures.forget(name);
    if (result.existed) {
      await this.options.changes?.changed({ name, scope: 'shared' });
    }
    return result;
  }
}

function conflict(
  name: string,
  expected: number,
  current: number,
): ConflictError {
  if (expected === 0) {
    return new ConflictError(
      `Secret ${name} was set by someone else since you loaded it: it is now at version ${current}, you expected no value. Reload to see who set it.`,
    );
  }
  return new ConflictError(
    current === 0
      ? `Secret ${name} was cleared by someone else since you loaded it (you expected version ${expected}). Reload to see the current state.`
      : `Secret ${name} was changed by someone else: it is now at version ${current}, you expected version ${expected}. Reload to see who changed it, then decide whether to replace it.`,
  );
}
