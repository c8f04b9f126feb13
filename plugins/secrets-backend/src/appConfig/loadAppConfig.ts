import type { RootConfigService } from '@backstage/backend-plugin-api';
import type { RootConfigFactoryOptions } from '@backstage/backend-defaults/rootConfig';
import { ConfigReader } from '@backstage/config';
import { ConfigSources } from '@backstage/config-loader';
import { SecretsConfig } from '../config';
import { loadKeyring, SecretCipher } from '../crypto';
import { appConfigSecrets } from './appConfigState';
import {
  AppConfigSecretsSource,
  ChangeSignal,
  readFirst,
} from './AppConfigSecretsSource';
import { consoleLogger, openPluginDatabase } from './pluginDatabase';
import { locateReferences, referenceMarker } from './references';
import { AppConfigStoreReader, type LoadedValue } from './storedValues';

/*
 * The root config with stored secrets: the stock sources, where `${NAME}`
 * reads the environment variable when set, else the stored value of an
 * `appConfig: true` secret, else nothing. Substitution runs only while a
 * file is read, so a changed stored value means reading the sources again.
 */

type SubstitutionFunc = (name: string) => Promise<string | undefined>;

/** The stock substitution: the environment variable, trimmed. */
const fromEnv = (name: string) => process.env[name]?.trim();
const envOnly: SubstitutionFunc = async name => fromEnv(name);
const warn = (message: string) => consoleLogger.warn(message);
const messageOf = (error: unknown) => (error as Error).message;

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
    ConfigSources.default({ ...options, watch, substitutionFunc });
  // 1. The stock read: which secrets are declared, the database, the keys.
  const bootstrap = ConfigReader.fromConfigs(await readFirst(sources(envOnly)));
  const secretsConfig = new SecretsConfig(bootstrap);
  const declared = new Set(secretsConfig.appConfigSecretNames());
  // 2. Where they are referenced, checked against the config schema.
  const markedRead = async () =>
    locateReferences(
      await readFirst(
        sources(
          async name =>
            fromEnv(name) ??
            (declared.has(name) ? referenceMarker(name) : undefined),
        ),
      ),
    );
  const paths = declared.size > 0 ? await markedRead() : new Map();
  appConfigSecrets.reset(paths);
  // Declared secrets need the plugin's (persistent) database, referenced or
  // not yet: an in-memory one fails start-up here, saying so.
  const database =
    declared.size > 0 ? await openPluginDatabase(bootstrap) : undefined;
  if (!database || paths.size === 0) {
    await database?.close();
    // Nothing to substitute: exactly the stock root config.
    const source = ConfigSources.default(options);
    console.log(`Loading config from ${source}`);
    return ConfigSources.toConfig(source);
  }

  // 3. The stored values, decrypted as the plugin does (keys loaded once a
  // row needs them).
  let cipher: Promise<SecretCipher> | undefined;
  const reader = new AppConfigStoreReader(
    database.knex,
    [...paths.keys()],
    async (name, version, stored) => {
      cipher ??= loadKeyring(secretsConfig, consoleLogger).then(
        keyring => new SecretCipher(keyring),
      );
      return (await cipher).decrypt(name, version, stored);
    },
  );
  let fingerprint = await reader.fingerprint();
  let values = await reader.read(warn);
  let filesChanged = false; // by the watcher: check the references again
  const read = async () => {
    if (filesChanged) {
      filesChanged = false;
      const added = [...(await markedRead()).keys()].filter(
        name => !paths.has(name),
      );
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
        async name =>
          fromEnv(name) ??
          // Byte-exact, not trimmed: the value as set (see docs/operators.md).
          (paths.has(name) ? values.get(name)?.value : undefined),
      ),
    );
  };
  const first = await read();
  appConfigSecrets.loaded(versionsOf(values), true);

  // 4. Changes: one cheap query per interval; files when watched.
  const changes = new ChangeSignal();
  let polling = false;
  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      const now = await reader.fingerprint();
      if (now === fingerprint) return;
      const fresh = await reader.read(warn);
      if (changes.stopped) return;
      [values, fingerprint] = [fresh, now];
      appConfigSecrets.loaded(versionsOf(values), false);
      changes.notify();
    } catch (error) {
      warn(
        `Could not check the stored secrets used in app-config; keeping the values loaded: ${messageOf(
          error,
        )}`,
      );
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(poll, secretsConfig.appConfigReloadIntervalMs());
  timer.unref?.();
  const watcher = new AbortController();
  if (options.watch) {
    (async () => {
      let initial = true;
      const watched = sources(envOnly, true);
      for await (const _ of watched.readConfigData({
        signal: watcher.signal,
      })) {
        if (!initial) {
          filesChanged = true;
          changes.notify();
        }
        initial = false;
      }
    })().catch(error =>
      warn(`Stopped watching app-config: ${messageOf(error)}`),
    );
  }
  const stop = async () => {
    if (changes.stopped) return;
    changes.stop();
    clearInterval(timer);
    watcher.abort();
    await database.close();
  };
  appConfigSecrets.stopWith(stop);

  const source = new AppConfigSecretsSource({
    first,
    read,
    changes,
    onClose: () => void stop(),
    onError: error =>
      warn(`Could not read app-config again: ${messageOf(error)}`),
  });
  console.log(
    `Loading config from ${sources(envOnly)} with ${
      paths.size
    } stored secret(s)`,
  );
  return ConfigSources.toConfig(source);
}
