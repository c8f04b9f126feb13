import type {
  DatabaseService,
  LifecycleService,
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';
import { Keyring } from '../crypto/Keyring';
import { GENERATE_KEY_HINT } from '../crypto/keyFormat';
import { loadOrCreateDevelopmentKey } from '../crypto/developmentKey';
import { SecretCipher } from '../crypto/SecretCipher';
import { DatabaseSecretsStore } from '../database/DatabaseSecretsStore';
import { DatabaseUserSecretsStore } from '../database/DatabaseUserSecretsStore';
import type { UserLastUsedRecord } from '../database/UserSecretsStore';
import { userSecretKey, UserSecretsManager } from './UserSecretsManager';
import { KeyRotation } from './KeyRotation';
import { LastUsedTracker } from './LastUsedTracker';
import { SecretsManager } from './SecretsManager';
import type { SecretsRegistry } from './SecretsRegistry';

const DEFAULT_FLUSH_INTERVAL_SECONDS = 5;

/** Logged once at start-up when the plugin's database does not persist. */
export const IN_MEMORY_WARNING =
  "The secrets plugin's database is in-memory SQLite: stored secrets will be lost at restart; " +
  'configure backend.database (e.g. client: better-sqlite3 with connection.directory, or client: pg).';

/** Whether the plugin's database is an SQLite database that lives in memory only. */
export async function isInMemorySqlite(knex: Knex): Promise<boolean> {
  const client = String(knex.client?.config?.client ?? '');
  if (!/sqlite/.test(client)) return false;
  try {
    const rows: Array<{ name: string; file?: string }> = await knex.raw(
      'PRAGMA database_list',
    );
    const main = rows.find(row => row.name === 'main');
    return !main?.file;
  } catch {
    return false;
  }
}

/** The keyring from config, or the development key file; fails start-up otherwise. */
export async function loadKeyring(
  config: RootConfigService,
  logger: LoggerService,
): Promise<Keyring> {
  const configured = Keyring.fromConfig(config);
  if (configured) {
    return configured;
  }
  const developmentKeyFile = config.getOptionalString(
    'secrets.encryption.developmentKeyFile',
  );
  if (developmentKeyFile) {
    return Keyring.fromSecrets([
      await loadOrCreateDevelopmentKey({ file: developmentKeyFile, logger }),
    ]);
  }
  throw new Error(
    `No encryption key is configured for the secrets plugin. ${GENERATE_KEY_HINT} ` +
      'For local development only, set secrets.encryption.developmentKeyFile ' +
      '(e.g. .data/secrets-dev-key.json, and add .data/ to .gitignore) instead: ' +
      'a key is then generated into that file on first start.',
  );
}

/**
 * The value route trusts a service principal whose subject starts with
 * `plugin:` as that plugin. Static and legacy external access tokens carry
 * the subject the operator configured, as is: one named `plugin:…` would
 * pass as a plugin (and as a reader of its secrets), so it is refused.
 */
export function refuseExternalSubjectsThatLookLikePlugins(
  config: RootConfigService,
): void {
  const entries =
    config.getOptionalConfigArray('backend.auth.externalAccess') ?? [];
  entries.forEach((entry, index) => {
    const type = entry.getOptionalString('type');
    const subject = entry.getOptional('options.subject');
    if (
      (type === 'static' || type === 'legacy') &&
      typeof subject === 'string' &&
      subject.toLowerCase().startsWith('plugin:')
    ) {
      throw new Error(
        `backend.auth.externalAccess[${index}] (type ${type}) has the subject '${subject}', which would pass as a backend plugin and could read that plugin's secrets. Give external access tokens a subject that does not start with 'plugin:', e.g. 'ci-bot'.`,
      );
    }
  });
}

/**
 * Builds the plugin's parts and checks, before serving anything, what would
 * otherwise surface later as failed reads: keys, pins, rows under keys that
 * are no longer configured.
 */
export async function createSecretsManager(options: {
  config: RootConfigService;
  logger: LoggerService;
  database: DatabaseService;
  lifecycle: LifecycleService;
  registry: SecretsRegistry;
  env?: NodeJS.ProcessEnv;
}): Promise<{
  manager: SecretsManager;
  userManager: UserSecretsManager;
  userStore: DatabaseUserSecretsStore;
  rotation: KeyRotation;
}> {
  const { config, logger, database, lifecycle, registry } = options;
  refuseExternalSubjectsThatLookLikePlugins(config);
  const keyring = await loadKeyring(config, logger);

  const knex = await database.getClient();
  if (await isInMemorySqlite(knex)) {
    logger.warn(IN_MEMORY_WARNING);
  }
  const store = await DatabaseSecretsStore.create({ database });
  const userStore = new DatabaseUserSecretsStore(knex);

  const rowsByKey = new Map<string, number>();
  for (const { keyId, count } of [
    ...(await store.countByKeyId()),
    ...(await userStore.countByKeyId()),
  ]) {
    rowsByKey.set(keyId, (rowsByKey.get(keyId) ?? 0) + count);
  }
  const missingKeys = [...rowsByKey]
    .map(([keyId, count]) => ({ keyId, count }))
    .filter(({ keyId }) => !keyring.get(keyId));
  if (missingKeys.length > 0) {
    const message = `Stored secrets are encrypted with key(s) that are not configured: ${missingKeys
      .map(
        ({ keyId, count }) =>
          `'${keyId}' (${count} row${count === 1 ? '' : 's'})`,
      )
      .join(
        ', ',
      )}. Add those keys back to secrets.encryption.keys (after the primary key) and keep them until GET /api/secrets/encryption shows them removable.`;
    if (
      config.getOptionalBoolean(
        'secrets.encryption.startWithUnreadableRows',
      ) !== true
    ) {
      throw new Error(
        `${message} To start anyway (those secrets then show as unreadable and can only be cleared or set again), set secrets.encryption.startWithUnreadableRows: true.`,
      );
    }
    logger.error(message);
  }

  const tracker = new LastUsedTracker(store, logger);
  const cipher = new SecretCipher(keyring);
  const manager = new SecretsManager({
    config,
    registry,
    store,
    cipher,
    tracker,
    logger,
    env: options.env,
    userStore,
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
  });
  const rotation = new KeyRotation({
    keyring,
    cipher,
    store,
    userStore,
    logger,
    batchSize:
      config.getOptionalNumber('secrets.encryption.rotation.batchSize') ?? 100,
  });

  for (const pin of manager.pinnedValues()) {
    if (keyring.matchesAnyKey(pin.value)) {
      throw new Error(
        `${pin.pinnedBy} holds one of the encryption keys. Encryption keys must never be served as secrets: remove that pin, and keep the key in secrets.encryption.keys only.`,
      );
    }
    if (!registry.get(pin.name)) {
      logger.warn(
        `${pin.pinnedBy} pins secret ${pin.name}, which no plugin registers; it is ignored.`,
      );
    } else if (registry.get(pin.name)?.scope === 'user') {
      logger.warn(
        `${pin.pinnedBy} pins secret ${pin.name}, which holds one value per user; pins do not apply to it and it is ignored.`,
      );
    }
  }

  const intervalSeconds =
    config.getOptionalNumber('secrets.lastUsedFlushIntervalSeconds') ??
    DEFAULT_FLUSH_INTERVAL_SECONDS;
  tracker.start(intervalSeconds * 1000);
  userTracker.start(intervalSeconds * 1000);
  lifecycle.addShutdownHook(async () => {
    await Promise.all([tracker.stop(), userTracker.stop()]);
  });

  logger.info(
    `Secrets ready: ${
      registry.list().length
    } registered, encrypting with key '${keyring.primary.id}' (${
      keyring.ids.length
    } key(s) configured)`,
  );
  return { manager, userManager, userStore, rotation };
}
