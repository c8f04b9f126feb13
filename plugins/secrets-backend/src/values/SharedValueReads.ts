import type { LoggerService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import {
  secretNotRegisteredMessage,
  secretNotSetMessage,
  type SecretSource,
} from '@backstage-secrets/plugin-secrets-common';
import type { ReaderPolicy } from '../access';
import { SecretDecryptionError, type ValueCipher } from '../crypto';
import type { SecretsStore, StoredSecret } from '../database';
import type { SecretsRegistry } from '../registry';
import type { DecryptionFailures } from './DecryptionFailures';
import type { LastUsedTracker } from './LastUsedTracker';
import type { Pins } from './Pins';
import {
  EntityScopedReadError,
  SecretNotRegisteredError,
  UserScopedReadError,
} from './refusals';

/** A value read for a backend plugin, and who read it. */
export interface ReadRequest {
  name: string;
  /** e.g. `plugin:catalog`, or `external:ci-bot` when external access is allowed */
  caller: string;
}

/** The value a read gets now, and where it comes from. */
export interface CurrentValue {
  value: string;
  source: Exclude<SecretSource, 'unset'>;
  /** the stored version, when the value comes from the database */
  version?: number;
}

/**
 * Reads of shared values: configuration, then environment, then database
 * (decrypted). A read for a plugin is recorded in memory only and flushed
 * in batches, so the read path never writes.
 */
export class SharedValueReads {
  constructor(
    private readonly options: {
      registry: SecretsRegistry;
      store: Pick<SecretsStore, 'get'>;
      cipher: Pick<ValueCipher, 'decrypt'>;
      pins: Pins;
      readers: Pick<ReaderPolicy, 'assertMayRead'>;
      tracker: Pick<LastUsedTracker, 'record'>;
      failures: DecryptionFailures;
      logger: LoggerService;
    },
  ) {}

  /** The value for a backend plugin (the value route). */
  async readValue(
    request: ReadRequest,
  ): Promise<{ value: string; source: SecretSource }> {
    const { name } = request;
    const definition = this.options.registry.get(name);
    this.options.readers.assertMayRead(name, request.caller);
    if (definition?.scope === 'user') {
      throw new UserScopedReadError(name);
    }
    if (definition?.scope === 'entity') {
      throw new EntityScopedReadError(name);
    }
    if (!definition) {
      throw new SecretNotRegisteredError(secretNotRegisteredMessage(name));
    }
    const current = await this.currentValue(name);
    if (!current) {
      throw new NotFoundError(secretNotSetMessage(name));
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
   * database) and where it comes from; undefined when unset. Not a use of
   * the secret: nothing is recorded.
   */
  async currentValue(name: string): Promise<CurrentValue | undefined> {
    const pin = this.options.pins.of(name);
    if (pin) return { value: pin.value, source: pin.source };
    const stored = await this.options.store.get(name);
    if (!stored) return undefined;
    return {
      value: await this.#decrypt(stored),
      source: 'database',
      version: stored.version,
    };
  }

  /** Decrypts a stored row; a failure is logged and shown on the list. */
  async #decrypt(stored: StoredSecret): Promise<string> {
    const { cipher, failures, logger } = this.options;
    try {
      const value = await cipher.decrypt(stored.name, stored.version, stored);
      failures.forget(stored.name);
      return value;
    } catch (error) {
      if (error instanceof SecretDecryptionError) {
        failures.record(stored.name, error.message);
        logger.error(error.message);
      }
      throw error;
    }
  }
}
