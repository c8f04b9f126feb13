import type {
  LifecycleService,
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { DatabaseManager } from '@backstage/backend-defaults/database';
import type { Knex } from 'knex';
import { isInMemorySqlite } from '../startup';

/*
 * The secrets plugin's database as the root config reaches it: through the
 * database manager, as the plugin does, but with stand-ins for the logger
 * and lifecycle (the root config exists before any service; depending on
 * rootLogger or rootLifecycle would hang the backend's start-up).
 */

const PREFIX = '[secrets app-config]';

/** Writes warnings and errors to the console, as the stock root config does; never a value. */
export const consoleLogger: LoggerService = {
  error: message => console.error(`${PREFIX} ${message}`),
  warn: message => console.warn(`${PREFIX} ${message}`),
  info: () => {},
  debug: () => {},
  child: () => consoleLogger,
};

/** A connection to the plugin's database, and how to close it. */
export interface PluginDatabase {
  knex: Knex;
  close(): Promise<void>;
}

/**
 * Opens the plugin's database. Fails, saying why, without backend.database
 * or with an in-memory SQLite database (the plugin's is another one).
 */
export async function openPluginDatabase(
  config: RootConfigService,
): Promise<PluginDatabase> {
  const where =
    'Secrets declared with appConfig: true are read from the secrets plugin database';
  const fix =
    'Configure a persistent database (better-sqlite3 with connection.directory, or pg), or remove appConfig: true.';
  if (!config.has('backend.database')) {
    throw new Error(`${where}, but backend.database is not configured. ${fix}`);
  }
  const shutdownHooks: Array<() => void | Promise<void>> = [];
  const lifecycle: LifecycleService = {
    addStartupHook: () => {},
    addShutdownHook: hook => {
      shutdownHooks.push(hook);
    },
  };
  const knex = await DatabaseManager.fromConfig(config)
    .forPlugin('secrets', { logger: consoleLogger, lifecycle })
    .getClient();
  const close = async () => {
    for (const hook of shutdownHooks) await hook();
    await knex.destroy();
  };
  if (await isInMemorySqlite(knex)) {
    await close();
    throw new Error(
      `${where}, but backend.database is in-memory SQLite (:memory:): the root config cannot see the plugin's in-memory database. ${fix}`,
    );
  }
  return { knex, close };
}
