import type {
  LifecycleService,
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { DatabaseManager } from '@backstage/backend-defaults/database';
import type { RootConfigFactoryOptions } from '@backstage/backend-defaults/rootConfig';
import { ConfigReader } from '@backstage/config';
import { ConfigSources } from '@backstage/config-loader';

type SubstitutionFunc = (name: string) => Promise<string | undefined>;
import type { Knex } from 'knex';
import { SecretsConfig } from '../config';
import { loadKeyring, SecretCipher } from '../crypto';
import { isInMemorySqlite } from '../startup';
import { appConfigSecrets } from './appConfigState';
import { AppConfigSecretsSource, readFirst } from './AppConfigSecretsSource';
import { locateReferences, referenceMarker } from './references';
import { AppConfigStoreReader, type LoadedValue } from './storedValues';

/*
 * The root config with stored secrets: the stock sources, where `${NAME}`
 * reads the environment variable when set, else the stored value of an
 * `appConfig: true` secret, else nothing. The factory runs before any
 * service exists, so it has stand-ins for the logger and lifecycle that the
 * database manager needs (depending on rootLogger or rootLifecycle would
 * hang the backend's start-up).
 */

const PREFIX = '[secrets app-config]';

/** Writes to the console, as the stock root config does; never a value. */
const consoleLogger: LoggerService = {
  error: message => console.error(`${PREFIX} ${message}`),
  warn: message => console.warn(`${PREFIX} ${message}`),
  info: () => {},
  debug: () => {},
  child: () => consoleLogger,
};

/** The stock substitution: the environment variable, trimmed. */
const fromEnv = (name: string) => process.env[name]?.trim();
const envOnly: SubstitutionFunc = async name => fromEnv(name);

async function openPluginDatabase(
  config: RootConfigService,
  lifecycle: LifecycleService,
): Promise<Knex> {
  const where =
    'Secrets declared with appConfig: true are read from the secrets plugin database';
  if (!config.has('backend.database')) {
    throw new Error(
      `${where}, but backend.database is not configured. Configure a persistent database (better-sqlite3 with connection.directory, or pg), or remove appConfig: true.`,
    );
  }
  const knex = await DatabaseManager.fromConfig(config)
    .forPlugin('secrets', { logger: consoleLogger, lifecycle })
    .getClient();
  if (await isInMemorySqlite(knex)) {
    await knex.destroy();
    throw new Error(
      `${where}, but backend.database is in-memory SQLite (:memory:): the root config cannot see the plugin's in-memory database. Configure a persistent database (better-sqlite3 with connection.directory, or pg), or remove appConfig: true.`,
    );
  }
  return knex;
}

function versionsOf(values: Map<string, LoadedValue>): Map<string, number> {
  return new Map([...values].map(([name, { version }]) => [name, version]));
}

/**
 * Loads the root config (see secretsRootConfigServiceFactory). Exported for
 * tests and the benchmark.
 */
export async function loadAppConfigWithSecrets(
  options: RootConfigFactoryOptions = {},
): Promise<RootConfigService> {
  const sources = (substitutionFunc: SubstitutionFunc, watch = false) =>
    ConfigSources.default({
      argv: options.argv,
      remote: options.remote,
      watch,
      substitutionFunc,
    });
  const plain = await readFirst(sources(envOnly));
  const bootstrap = ConfigReader.fromConfigs(plain);
  const secretsConfig = new SecretsConfig(bootstrap);
  const declared = new Set(secretsConfig.appConfigSecretNames());
  const markedRead = () =>
    readFirst(
      sources(
        async (name: string) =>
          fromEnv(name) ??
          (declared.has(name) ? referenceMarker(name) : undefined),
      ),
    );
  const paths = await locateReferences(
    declared.size === 0 ? [] : await markedRead(),
  );
  appConfigSecrets.reset(paths);
  const shutdownHooks: Array<() => void | Promise<void>> = [];
  const lifecycle: LifecycleService = {
    addStartupHook: () => {},
    addShutdownHook: hook => {
      shutdownHooks.push(hook);
    },
  };
  // Declared secrets need the plugin's (persistent) database, referenced or
  // not yet: an in-memory one fails start-up here, saying so.
  const knex =
    declared.size > 0
      ? await openPluginDatabase(bootstrap, lifecycle)
      : undefined;
  if (!knex || paths.size === 0) {
    await knex?.destroy();
    // Nothing to substitute: exactly the stock root config.
    const source = ConfigSources.default(options);
    console.log(`Loading config from ${source}`);
    return ConfigSources.toConfig(source);
  }
  let cipher: Promise<SecretCipher> | undefined;
  const reader = new AppConfigStoreReader(
    knex,
    [...paths.keys()],
    async (name, version, stored) => {
      cipher ??= loadKeyring(secretsConfig, consoleLogger).then(
        keyring => new SecretCipher(keyring),
      );
      return (await cipher).decrypt(name, version, stored);
    },
  );
  const warn = (message: string) => consoleLogger.warn(message);

  let fingerprint = await reader.fingerprint();
  let values = await reader.read(warn);
  // Set when a watched file changed: its references are checked again.
  let filesChanged = false;
  const read = async () => {
    if (filesChanged) {
      filesChanged = false;
      const now = await locateReferences(await markedRead());
      const added = [...now.keys()].filter(name => !paths.has(name));
      if (added.length > 0) {
        throw new Error(
          `app-config now references ${added.join(
            ', ',
          )}, which it did not at start-up; restart the backend to use them.`,
        );
      }
    }
    return readFirst(
      sources(
        async (name: string) =>
          fromEnv(name) ??
          // Byte-exact, not trimmed: the value as set (see docs/operators.md).
          (paths.has(name) ? values.get(name)?.value : undefined),
      ),
    );
  };
  const first = await read();
  appConfigSecrets.loaded(versionsOf(values), true);

  const interval = secretsConfig.appConfigReloadIntervalMs();
  // A change noticed while the source is not waiting is kept for its next wait.
  let wake: ((changed: boolean) => void) | undefined;
  let dirty = false;
  const notify = () => {
    dirty = true;
    const waiting = wake;
    wake = undefined;
    waiting?.(true);
  };
  let stopped = false;
  let polling = false;
  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      const now = await reader.fingerprint();
      if (now === fingerprint) return;
      const fresh = await reader.read(warn);
      if (stopped) return;
      values = fresh;
      fingerprint = now;
      appConfigSecrets.loaded(versionsOf(values), false);
      notify();
    } catch (error) {
      warn(
        `Could not check the stored secrets used in app-config; keeping the values loaded: ${
          (error as Error).message
        }`,
      );
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(poll, interval);
  timer.unref?.();

  const watcher = new AbortController();
  if (options.watch) {
    // A changed file (or remote config): read everything again, with the
    // current stored values.
    (async () => {
      let initial = true;
      for await (const _ of sources(envOnly, true).readConfigData({
        signal: watcher.signal,
      })) {
        if (!initial) {
          filesChanged = true;
          notify();
        }
        initial = false;
      }
    })().catch(() => {});
  }

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    watcher.abort();
    wake?.(false);
    wake = undefined;
    for (const hook of shutdownHooks) await hook();
    await knex.destroy();
  };

  appConfigSecrets.stopWith(stop);
  let abortHooked = false;
  const source = new AppConfigSecretsSource({
    first,
    read,
    changed: signal =>
      new Promise<boolean>(resolve => {
        if (signal?.aborted || stopped) return resolve(false);
        if (!abortHooked) {
          abortHooked = true;
          signal?.addEventListener('abort', () => void stop(), { once: true });
        }
        if (dirty) {
          dirty = false;
          return resolve(true);
        }
        wake = changed => {
          dirty = false;
          resolve(changed);
        };
        return undefined;
      }),
    onError: error =>
      warn(`Could not read app-config again: ${(error as Error).message}`),
  });
  console.log(
    `Loading config from ${sources(envOnly)} with ${
      paths.size
    } stored secret(s)`,
  );
  return ConfigSources.toConfig(source);
}
