import type { LoggerService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import type {
  SecretSummary,
  SecretVersion,
} from '@backstage-secrets/plugin-secrets-common';
import { SecretDecryptionError, type ValueCipher } from '../crypto';
import type { SecretsStore } from '../database';
import type { SecretsRegistry } from '../registry';
import {
  notRegisteredError,
  type SharedValueWrites,
  validateValue,
} from '../values';

/**
 * The recorded versions of a shared secret (the last `secrets.history.keep`
 * of them): who wrote which version when, and the restore of an earlier
 * one. History is never rewritten: a restore is a new version.
 */
export class SecretHistory {
  constructor(
    private readonly options: {
      registry: SecretsRegistry;
      store: Pick<
        SecretsStore,
        'listVersions' | 'getVersion' | 'getHistoryVersion'
      >;
      cipher: Pick<ValueCipher, 'decrypt'>;
      writes: Pick<SharedValueWrites, 'writable' | 'write'>;
      logger: LoggerService;
      /** versions kept per secret, for the message about a missing one */
      historyKeep: number;
    },
  ) {}

  /** A secret's recorded versions, newest first; metadata only. */
  async versions(name: string): Promise<SecretVersion[]> {
    const { store, registry } = this.options;
    const recorded = await store.listVersions(name);
    if (
      recorded.length === 0 &&
      !registry.get(name) &&
      !(await store.getVersion(name))
    ) {
      throw notRegisteredError(name);
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

  /**
   * Writes a recorded version's value again, as a new version. A row that
   * fails to decrypt (altered, or copied from another name or version)
   * fails like a current row and stores nothing.
   */
  async restore(options: {
    name: string;
    version: number;
    expectedVersion?: number;
    actor: string;
  }): Promise<SecretSummary> {
    const { name, version } = options;
    const { store, cipher, writes, logger } = this.options;
    const definition = writes.writable(name);
    const recorded = await store.getHistoryVersion(name, version);
    if (!recorded) {
      throw new NotFoundError(
        `Secret ${name} has no version ${version} in its history: only the last ${this.options.historyKeep} versions are kept, and a purge removes them all.`,
      );
    }
    let value: string;
    try {
      value = await cipher.decrypt(name, version, recorded);
    } catch (error) {
      if (error instanceof SecretDecryptionError) {
        logger.error(`Restoring version ${version}: ${error.message}`);
      }
      throw error;
    }
    // The value passed the format rules when it was set; the rules may
    // have changed since, and a restore must not store what a set refuses.
    validateValue(definition, value);
    return writes.write({
      definition,
      name,
      value,
      expectedVersion: options.expectedVersion,
      actor: options.actor,
      restoredFrom: version,
    });
  }
}
