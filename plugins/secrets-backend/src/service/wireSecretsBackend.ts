import type {
  AuditorService,
  DatabaseService,
  LifecycleService,
  LoggerService,
  RootLifecycleService,
} from '@backstage/backend-plugin-api';
import type { EventsService } from '@backstage/plugin-events-node';
import { guardForwardingReaders, ReaderPolicy } from '../access';
import { appConfigSecrets, reportAppConfigLoads } from '../appConfig';
import { CurrentValueCheck, SecretChecks } from '../checks';
import type { SecretsConfig } from '../config';
import type { SecretsKeyProvider } from '@backstage-secrets/plugin-secrets-node';
import {
  DataKeyCache,
  EnvelopeCipher,
  type KeyProviderFailure,
  KeyProviders,
  loadKeyring,
  LOCAL_PROVIDER_ID,
  LocalKeyProvider,
} from '../crypto';
import {
  ChangeWatermark,
  DatabaseSecretChecksStore,
  DatabaseSecretsStore,
  DatabaseUserSecretsStore,
  ReminderStateStore,
  type UserLastUsedRecord,
} from '../database';
import {
  type EntityLastUsedRecord,
  entitySecretKey,
  EntitySecretsManager,
  EntitySecretsStore,
} from '../entitySecrets';
import { SecretChangeEvents } from '../events';
import { SecretHistory } from '../history';
import { KeyReencryption } from '../keys';
import type { SecretsRegistry } from '../registry';
import { RotationPolicy } from '../reminders';
import {
  guardPins,
  guardStoredKeys,
  IN_MEMORY_WARNING,
  isInMemorySqlite,
  refuseCustomExternalTokenHandlers,
  refuseExternalSubjectsThatLookLikePlugins,
} from '../startup';
import { userSecretKey, UserSecretsManager } from '../userSecrets';
import {
  createSharedSecrets,
  LastUsedTracker,
  type SecretSummaries,
  type SharedValueReads,
  type SharedValueWrites,
} from '../values';

/** The plugin's parts, as the router, the actions and the tasks use them. */
export interface SecretsBackend {
  readers: ReaderPolicy;
  summaries: SecretSummaries;
  reads: SharedValueReads;
  writes: SharedValueWrites;
  history: SecretHistory;
  valueCheck: CurrentValueCheck;
  userSecrets: UserSecretsManager;
  userStore: DatabaseUserSecretsStore;
  entitySecrets: EntitySecretsManager;
  entityStore: EntitySecretsStore;
  reencryption: KeyReencryption;
  reminderStore: ReminderStateStore;
  watermark: ChangeWatermark;
}

/**
 * The composition root: builds the plugin's parts (keyring, stores, the
 * capabilities of each folder) from the configuration, and runs the
 * start-up guards (startup/) before anything is served. Background work
 * that lives as long as the plugin (last-use flushes, heartbeats) is tied
 * to its lifecycle here; scheduled tasks are in scheduledTasks.ts.
 */
export async function wireSecretsBackend(options: {
  config: SecretsConfig;
  logger: LoggerService;
  database: DatabaseService;
  lifecycle: LifecycleService;
  /** for the heartbeat's goodbye, sent while the events service still works */
  rootLifecycle?: RootLifecycleService;
  registry: SecretsRegistry;
  /** Backstage's events service: change events for the readers' caches */
  events?: EventsService;
  /** key providers added by modules (secretsKeyProvidersExtensionPoint) */
  keyProviders?: SecretsKeyProvider[];
  /** records key provider failures and the stored values the root config substituted into app-config */
  auditor?: AuditorService;
  env?: NodeJS.ProcessEnv;
}): Promise<SecretsBackend> {
  const { config, logger, database, lifecycle, registry } = options;
  refuseExternalSubjectsThatLookLikePlugins(config);
  refuseCustomExternalTokenHandlers(config);
  const historyKeep = config.historyKeep();
  const providerId = config.encryptionProvider();
  // The configured keys: required for `local`; with another provider they
  // only unwrap what `local` (or the time before envelope encryption) left.
  const keyring =
    providerId === LOCAL_PROVIDER_ID ||
    config.encryptionKeys() ||
    config.developmentKeyFile()
      ? await loadKeyring(config, logger)
      : undefined;
  const providers = new KeyProviders(
    [new LocalKeyProvider(keyring), ...(options.keyProviders ?? [])],
    providerId,
  );
  const reportProviderFailure = (failure: KeyProviderFailure) => {
    logger.warn(
      `Key provider '${failure.provider}' failed to ${failure.operation} the data key of ${failure.scope} secret ${failure.name}: ${failure.message}`,
    );
    void recordProviderFailure(options.auditor, failure).catch(() => {});
  };
  const cipher = new EnvelopeCipher({
    providers,
    keyring,
    cache: new DataKeyCache({ ttlMs: config.dataKeyCacheTtlMs() }),
    onProviderFailure: reportProviderFailure,
  });

  const knex = await database.getClient();
  if (await isInMemorySqlite(knex)) {
    logger.warn(IN_MEMORY_WARNING);
  }
  const store = await DatabaseSecretsStore.create({ database });
  const userStore = new DatabaseUserSecretsStore(knex);
  const entityStore = new EntitySecretsStore(knex);

  guardStoredKeys({
    config,
    logger,
    keyring,
    canDecryptWith: key => cipher.canDecryptWith(key),
    rowsPerKey: [
      ...(await store.countByKeyId()),
      ...(await userStore.countByKeyId()),
      ...(await entityStore.countByKeyId()),
    ],
    // History rows too: retiring a key they still use would silently make
    // those versions impossible to restore.
    historyRowsPerKey: await store.countHistoryByKeyId(),
  });

  const tracker = new LastUsedTracker(store, logger);
  const checks = new SecretChecks({
    store: new DatabaseSecretChecksStore(knex),
    logger,
    timeoutMs: config.validationTimeoutMs(),
  });
  const watermark = new ChangeWatermark(knex);
  const changes = new SecretChangeEvents({
    events: options.events,
    logger,
    watermark,
  });
  const readers = new ReaderPolicy({ registry, config });
  const appConfigNames = config.appConfigSecretNames();
  for (const name of appConfigNames) {
    if (readers.readersOf(name)) {
      throw new Error(
        `Secret ${name} is declared with appConfig: true, and its definition has readers: a value substituted into app-config is readable by every backend plugin, so it cannot have readers.`,
      );
    }
  }
  guardForwardingReaders({
    registry,
    readers,
    configured: config.forwardingPlugins(),
  });
  const rotation = RotationPolicy.fromConfig(config);
  const shared = createSharedSecrets({
    config,
    env: options.env,
    registry,
    store,
    cipher,
    tracker,
    logger,
    readers,
    rotation,
    userStore,
    entityStore,
    historyKeep,
    checks,
    changes,
    appConfig: name => appConfigSecrets.summary(name),
  });
  const history = new SecretHistory({
    registry,
    store,
    cipher,
    writes: shared.writes,
    logger,
    historyKeep,
  });
  const valueCheck = new CurrentValueCheck({
    registry,
    checks,
    currentValue: name => shared.reads.currentValue(name),
  });
  const userTracker = new LastUsedTracker<UserLastUsedRecord>(
    userStore,
    logger,
    record => userSecretKey(record.name, record.userRef),
  );
  const userSecrets = new UserSecretsManager({
    registry,
    readersOf: name => readers.readersOf(name),
    store: userStore,
    cipher,
    tracker: userTracker,
    logger,
    changes,
  });
  const dropped = await userSecrets.dropStaleGrants();
  if (dropped > 0) {
    logger.info(
      `Dropped ${dropped} grant(s) of plugins that are no longer readers of the per-user secrets they were given for; users will be asked again if such a plugin becomes a reader.`,
    );
  }
  const entityTracker = new LastUsedTracker<EntityLastUsedRecord>(
    entityStore,
    logger,
    record => entitySecretKey(record.name, record.entityRef),
  );
  const entitySecrets = new EntitySecretsManager({
    registry,
    store: entityStore,
    cipher,
    tracker: entityTracker,
    logger,
    // The default: the value a shared read of the name gets (pin or stored).
    defaultValue: async name => (await shared.reads.currentValue(name))?.value,
    hasDefault: async name =>
      Boolean(shared.pins.of(name)) ||
      Boolean((await store.getVersion(name))?.live),
    checks,
    changes,
  });
  const reencryption = new KeyReencryption({
    keyring,
    cipher,
    store,
    userStore,
    entityStore,
    logger,
    changes,
    batchSize: config.reencryptionBatchSize(),
  });

  guardPins({ logger, keyring, pins: shared.pins, registry });

  const stopAppConfigReport = reportAppConfigLoads({
    state: appConfigSecrets,
    declared: appConfigNames,
    auditor: options.auditor,
    logger,
    record: use => tracker.record(use),
  });

  const intervalMs = config.lastUsedFlushIntervalMs();
  tracker.start(intervalMs);
  userTracker.start(intervalMs);
  entityTracker.start(intervalMs);
  // Heartbeats start once every plugin is up (the events backend serves
  // publishes from then on) and stop before the events service shuts down.
  lifecycle.addStartupHook(() =>
    changes.startHeartbeat(config.heartbeatIntervalMs()),
  );
  options.rootLifecycle?.addBeforeShutdownHook(() => changes.stopHeartbeat());
  lifecycle.addShutdownHook(async () => {
    stopAppConfigReport();
    await changes.stopHeartbeat(); // no-op when the goodbye was sent
    await Promise.all([
      tracker.stop(),
      userTracker.stop(),
      entityTracker.stop(),
    ]);
  });

  logger.info(
    `Secrets ready: ${
      registry.list().length
    } registered, data keys wrapped by key provider '${providerId}'${
      keyring
        ? `, key '${keyring.primary.id}' (${keyring.ids.length} key(s) configured)`
        : ''
    }`,
  );
  for (const name of rotation.configuredNames()) {
    if (registry.get(name)?.scope !== 'shared') {
      logger.warn(
        `secrets.rotation.${name} is ignored: no installed plugin declares a shared secret ${name}.`,
      );
    }
  }

  return {
    readers,
    summaries: shared.summaries,
    reads: shared.reads,
    writes: shared.writes,
    history,
    valueCheck,
    userSecrets,
    userStore,
    entitySecrets,
    entityStore,
    reencryption,
    reminderStore: new ReminderStateStore(knex),
    watermark,
  };
}

/** An audit event for a key provider failure: who failed how, never key material. */
async function recordProviderFailure(
  auditor: AuditorService | undefined,
  failure: KeyProviderFailure,
): Promise<void> {
  if (!auditor) return;
  const event = await auditor.createEvent({
    eventId: 'key-provider',
    severityLevel: 'high',
    meta: {
      actionType: failure.operation,
      provider: failure.provider,
      name: failure.name,
      scope: failure.scope,
      unavailable: failure.unavailable,
    },
  });
  await event.fail({ error: new Error(failure.message) });
}
