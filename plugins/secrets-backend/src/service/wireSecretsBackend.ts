import type {
  DatabaseService,
  LifecycleService,
  LoggerService,
  RootConfigService,
  RootLifecycleService,
} from '@backstage/backend-plugin-api';
import { durationToMilliseconds } from '@backstage/types';
import type { EventsService } from '@backstage/plugin-events-node';
import { loadKeyring } from '../crypto/loadKeyring';
import { SecretCipher } from '../crypto/SecretCipher';
import { DatabaseSecretsStore } from '../database/DatabaseSecretsStore';
import { DatabaseUserSecretsStore } from '../database/DatabaseUserSecretsStore';
import { DatabaseSecretChecksStore } from '../database/SecretChecksStore';
import { ReminderStateStore } from '../database/ReminderStateStore';
import type { UserLastUsedRecord } from '../database/UserSecretsStore';
import { userSecretKey, UserSecretsManager } from './UserSecretsManager';
import { KeyRotation } from './KeyRotation';
import { LastUsedTracker } from './LastUsedTracker';
import { SecretChecks } from './SecretChecks';
import { SecretsManager } from './SecretsManager';
import {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  SecretChangeEvents,
} from './changeEvents';
import type { SecretsRegistry } from './SecretsRegistry';
import { readDurationOr } from './scheduledTasks';
import {
  checkPins,
  checkStoredKeys,
  IN_MEMORY_WARNING,
  isInMemorySqlite,
  readHistoryKeep,
  refuseExternalSubjectsThatLookLikePlugins,
} from './startupChecks';

/**
 * Wires the plugin's parts (keyring, stores, managers, trackers, rotation)
 * and runs the start-up checks (startupChecks.ts) before anything is
 * served.
 */
export async function wireSecretsBackend(options: {
  config: RootConfigService;
  logger: LoggerService;
  database: DatabaseService;
  lifecycle: LifecycleService;
  /** for the heartbeat's goodbye, sent while the events service still works */
  rootLifecycle?: RootLifecycleService;
  registry: SecretsRegistry;
  /** Backstage's events service: change events for the readers' caches */
  events?: EventsService;
  env?: NodeJS.ProcessEnv;
}): Promise<{
  manager: SecretsManager;
  userManager: UserSecretsManager;
  userStore: DatabaseUserSecretsStore;
  rotation: KeyRotation;
  reminderStore: ReminderStateStore;
}> {
  const { config, logger, database, lifecycle, registry } = options;
  refuseExternalSubjectsThatLookLikePlugins(config);
  const historyKeep = readHistoryKeep(config);
  const keyring = await loadKeyring(config, logger);

  const knex = await database.getClient();
  if (await isInMemorySqlite(knex)) {
    logger.warn(IN_MEMORY_WARNING);
  }
  const store = await DatabaseSecretsStore.create({ database });
  const userStore = new DatabaseUserSecretsStore(knex);

  checkStoredKeys({
    config,
    logger,
    keyring,
    rowsPerKey: [
      ...(await store.countByKeyId()),
      ...(await userStore.countByKeyId()),
    ],
    // History rows too: retiring a key they still use would silently make
    // those versions impossible to restore.
    historyRowsPerKey: await store.countHistoryByKeyId(),
  });

  const tracker = new LastUsedTracker(store, logger);
  const cipher = new SecretCipher(keyring);
  const checks = new SecretChecks({
    store: new DatabaseSecretChecksStore(knex),
    logger,
    timeoutMs: SecretChecks.timeoutFromConfig(config),
  });
  const changes = new SecretChangeEvents({ events: options.events, logger });
  const manager = new SecretsManager({
    config,
    registry,
    store,
    cipher,
    tracker,
    logger,
    env: options.env,
    userStore,
    historyKeep,
    checks,
    changes,
  });
  const userTracker = new LastUsedTracker<UserLastUsedRecord>(
    userStore,
    logger,
    record => userSecretKey(record.name, record.userRef),
  );
  const userManager = new UserSecretsManager({
    registry,
    readersOf: name => manager.readersOf(name),
    store: userStore,
    cipher,
    tracker: userTracker,
    logger,
    changes,
  });
  const rotation = new KeyRotation({
    keyring,
    cipher,
    store,
    userStore,
    logger,
    changes,
    batchSize:
      config.getOptionalNumber('secrets.encryption.rotation.batchSize') ?? 100,
  });

  checkPins({ logger, keyring, manager, registry });

  // How often last-use records are written: a duration, or the deprecated
  // number of seconds.
  const legacySeconds = config.getOptionalNumber(
    'secrets.lastUsedFlushIntervalSeconds',
  );
  const intervalMs = durationToMilliseconds(
    readDurationOr(
      config,
      'secrets.lastUsedFlushInterval',
      legacySeconds !== undefined ? { seconds: legacySeconds } : { seconds: 5 },
    ),
  );
  tracker.start(intervalMs);
  userTracker.start(intervalMs);
  // Heartbeats start once every plugin is up (the events backend serves
  // publishes from then on) and stop before the events service shuts down.
  lifecycle.addStartupHook(() =>
    changes.startHeartbeat(
      durationToMilliseconds(
        readDurationOr(config, 'secrets.events.heartbeatInterval', {
          milliseconds: DEFAULT_HEARTBEAT_INTERVAL_MS,
        }),
      ),
    ),
  );
  options.rootLifecycle?.addBeforeShutdownHook(() => changes.stopHeartbeat());
  lifecycle.addShutdownHook(async () => {
    await changes.stopHeartbeat(); // no-op when the goodbye was sent
    await Promise.all([tracker.stop(), userTracker.stop()]);
  });

  logger.info(
    `Secrets ready: ${
      registry.list().length
    } registered, encrypting with key '${keyring.primary.id}' (${
      keyring.ids.length
    } key(s) configured)`,
  );
  for (const name of manager.rotation.configuredNames()) {
    if (registry.get(name)?.scope !== 'shared') {
      logger.warn(
        `secrets.rotation.${name} is ignored: no installed plugin declares a shared secret ${name}.`,
      );
    }
  }

  return {
    manager,
    userManager,
    userStore,
    rotation,
    reminderStore: new ReminderStateStore(knex),
  };
}
