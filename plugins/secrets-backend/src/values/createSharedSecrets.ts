import type { LoggerService } from '@backstage/backend-plugin-api';
import { ReaderPolicy } from '../access';
import type { SecretChecks } from '../checks';
import { DEFAULT_HISTORY_KEEP, type SecretsConfig } from '../config';
import type { ValueCipher } from '../crypto';
import type { SecretsStore, UserSecretsStore } from '../database';
import type { SecretChangeEvents } from '../events';
import type { SecretsRegistry } from '../registry';
import { RotationPolicy } from '../reminders';
import { DecryptionFailures } from './DecryptionFailures';
import type { LastUsedTracker } from './LastUsedTracker';
import { Pins } from './Pins';
import {
  SecretSummaries,
  type SecretSummariesOptions,
} from './SecretSummaries';
import { SharedValueReads } from './SharedValueReads';
import { SharedValueWrites } from './SharedValueWrites';

/** The shared-secret value service: its parts, each with one job. */
export interface SharedSecrets {
  pins: Pins;
  summaries: SecretSummaries;
  reads: SharedValueReads;
  writes: SharedValueWrites;
}

/**
 * Puts the shared-secret value service together: pins, summaries, reads
 * and writes over one store, sharing what they must (the decryption
 * failures that reads find and writes clear, the pins that win over the
 * store). Used by the plugin's wiring and by tests that need the real
 * service without a backend.
 */
export function createSharedSecrets(options: {
  config: Pick<
    SecretsConfig,
    'pinKey' | 'pinnedValue' | 'pinnedNames' | 'readersOf' | 'valueRotation'
  >;
  /** the environment, for BACKSTAGE_SECRETS_<NAME> pins; process.env when absent */
  env?: NodeJS.ProcessEnv;
  registry: SecretsRegistry;
  store: SecretsStore;
  cipher: ValueCipher;
  tracker: LastUsedTracker;
  logger: LoggerService;
  /** who may read; from the registry and config when absent */
  readers?: ReaderPolicy;
  /** rotateEvery and unusedAfter; read from config when absent */
  rotation?: RotationPolicy;
  /** users' own values, for the admin list's counts of user-scoped secrets */
  userStore?: Pick<UserSecretsStore, 'countUsersByName'>;
  /** entities' own values, for the admin list's counts of entity-scoped secrets */
  entityStore?: { countEntitiesByName(): Promise<Map<string, number>> };
  /** the time the `unused` flag is computed against; tests pass a fixed one */
  now?: () => Date;
  /** versions kept per secret (`secrets.history.keep`) */
  historyKeep?: number;
  /** runs and records definitions' checks (validate) */
  checks?: SecretChecks;
  /** tells readers on every instance which name changed */
  changes?: SecretChangeEvents;
  /** where app-config uses a secret, and the version loaded at start-up */
  appConfig?: SecretSummariesOptions['appConfig'];
}): SharedSecrets {
  const { config, registry, store, cipher, tracker, checks } = options;
  const readers = options.readers ?? new ReaderPolicy({ registry, config });
  const pins = new Pins({ config, env: options.env });
  const failures = new DecryptionFailures();
  const summaries = new SecretSummaries({
    registry,
    store,
    cipher,
    tracker,
    pins,
    readers,
    failures,
    rotation: options.rotation ?? RotationPolicy.fromConfig(config),
    checks,
    userStore: options.userStore,
    entityStore: options.entityStore,
    now: options.now,
    appConfig: options.appConfig,
  });
  return {
    pins,
    summaries,
    reads: new SharedValueReads({
      registry,
      store,
      cipher,
      pins,
      readers,
      tracker,
      failures,
      logger: options.logger,
    }),
    writes: new SharedValueWrites({
      registry,
      store,
      cipher,
      pins,
      summaries,
      failures,
      historyKeep: options.historyKeep ?? DEFAULT_HISTORY_KEEP,
      checks,
      changes: options.changes,
    }),
  };
}
