import type { LoggerService } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import { DEFAULT_HISTORY_KEEP, SecretsConfig } from '../config';
import type { ValueCipher } from '../crypto';
import type { SecretsStore, UserSecretsStore } from '../database';
import type { SecretChangeEvents } from '../events';
import { SecretHistory } from '../history';
import type { SecretsRegistry } from '../registry';
import { createSharedSecrets, LastUsedTracker } from '../values';

/**
 * The shared-secret service on a real store, without a backend: what the
 * plugin's wiring builds for shared values (reads, writes, summaries and
 * history), with no pins unless `config` or `env` sets them.
 */
export function testSharedSecrets(options: {
  store: SecretsStore;
  registry: SecretsRegistry;
  cipher: ValueCipher;
  logger?: LoggerService;
  /** app-config (e.g. secrets.readers); none by default */
  config?: JsonObject;
  /** the environment; empty by default, so that no variable pins */
  env?: NodeJS.ProcessEnv;
  changes?: SecretChangeEvents;
  userStore?: Pick<UserSecretsStore, 'countUsersByName'>;
  now?: () => Date;
}) {
  const { store, registry, cipher } = options;
  const logger = options.logger ?? mockServices.logger.mock();
  const shared = createSharedSecrets({
    config: new SecretsConfig(new ConfigReader(options.config ?? {})),
    env: options.env ?? {},
    registry,
    store,
    cipher,
    tracker: new LastUsedTracker(store, logger),
    logger,
    changes: options.changes,
    userStore: options.userStore,
    now: options.now,
  });
  const history = new SecretHistory({
    registry,
    store,
    cipher,
    writes: shared.writes,
    logger,
    historyKeep: DEFAULT_HISTORY_KEEP,
  });
  return { ...shared, history };
}
