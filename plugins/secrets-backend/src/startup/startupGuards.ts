import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';
import type { SecretsConfig } from '../config';
import type { Keyring } from '../crypto';
import type { KeyCount } from '../database';
import type { SecretsRegistry } from '../registry';
import type { Pins } from '../values';

/*
 * Start-up guards: what the plugin verifies before it serves anything, so
 * that a misconfiguration fails at once with a message that says what to
 * do, instead of surfacing later as failed reads. (Not to be confused with
 * provider checks, checks/: those test a secret's value with its provider.)
 */

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

/**
 * The value route trusts a service principal whose subject starts with
 * `plugin:` as that plugin. Static and legacy external access tokens carry
 * the subject the operator configured, as is: one named `plugin:…` would
 * pass as a plugin (and as a reader of its secrets), so it is refused.
 */
export function refuseExternalSubjectsThatLookLikePlugins(
  config: Pick<SecretsConfig, 'externalAccessSubjects'>,
): void {
  for (const { index, type, subject } of config.externalAccessSubjects()) {
    if (
      typeof subject === 'string' &&
      subject.toLowerCase().startsWith('plugin:')
    ) {
      throw new Error(
        `backend.auth.externalAccess[${index}] (type ${type}) has the subject '${subject}', which would pass as a backend plugin and could read that plugin's secrets. Give external access tokens a subject that does not start with 'plugin:', e.g. 'ci-bot'.`,
      );
    }
  }
}

/** The external token handlers Backstage ships, whose subjects are configured. */
const BUILT_IN_EXTERNAL_ACCESS_TYPES = ['static', 'legacy', 'jwks'];

/**
 * An external access handler of the operator's own (a custom token type)
 * may answer any subject, `plugin:catalog` included, which would read that
 * plugin's secrets: refused unless the operator says they know
 * (`secrets.acknowledgeCustomExternalTokenHandlers: true`).
 */
export function refuseCustomExternalTokenHandlers(
  config: Pick<
    SecretsConfig,
    'externalAccessTypes' | 'acknowledgeCustomExternalTokenHandlers'
  >,
): void {
  if (config.acknowledgeCustomExternalTokenHandlers()) return;
  for (const { index, type } of config.externalAccessTypes()) {
    if (type !== undefined && !BUILT_IN_EXTERNAL_ACCESS_TYPES.includes(type)) {
      throw new Error(
        `backend.auth.externalAccess[${index}] has the type '${type}', a token handler of your own. Such a handler can return a 'plugin:' subject, which the secrets backend trusts as that backend plugin (and so lets it read that plugin's secrets). If your handler never returns a subject starting with 'plugin:', set secrets.acknowledgeCustomExternalTokenHandlers: true to start.`,
      );
    }
  }
}

/**
 * Stored rows (shared values, their history, and users' values) under key
 * ids that are not configured could never be read: fail, naming the ids
 * and row counts, unless the operator chose to start anyway
 * (`secrets.encryption.startWithUnreadableRows`).
 */
export function guardStoredKeys(options: {
  config: Pick<SecretsConfig, 'startWithUnreadableRows'>;
  logger: LoggerService;
  /** secrets.encryption.keys, when configured */
  keyring?: Keyring;
  /**
   * Whether rows under a provider's key can be unwrapped at all (its
   * provider is installed); default: only configured keys (`local`).
   */
  canDecryptWith?: (key: { provider?: string; keyId: string }) => boolean;
  rowsPerKey: KeyCount[];
  /** rows of `secret_versions`: earlier versions that a restore decrypts */
  historyRowsPerKey?: KeyCount[];
}): void {
  const { logger, keyring } = options;
  const usable =
    options.canDecryptWith ??
    ((key: { provider?: string; keyId: string }) =>
      (!key.provider || key.provider === 'local') &&
      keyring?.get(key.keyId) !== undefined);
  const byKey = new Map<
    string,
    { rows: number; history: number; usable: boolean }
  >();
  const tally = (list: KeyCount[], kind: 'rows' | 'history') => {
    for (const key of list) {
      // Rows per provider key: `local` and older rows by key id.
      const id =
        !key.provider || key.provider === 'local'
          ? key.keyId
          : `${key.provider}:${key.keyId}`;
      const entry = byKey.get(id) ?? {
        rows: 0,
        history: 0,
        usable: usable(key),
      };
      entry[kind] += key.count;
      byKey.set(id, entry);
    }
  };
  tally(options.rowsPerKey, 'rows');
  tally(options.historyRowsPerKey ?? [], 'history');
  const plural = (count: number, what: string) =>
    `${count} ${what}${count === 1 ? '' : 's'}`;
  const missingKeys = [...byKey]
    .filter(([, entry]) => !entry.usable)
    .map(([keyId, { rows, history }]) => ({
      keyId,
      counts: [
        ...(rows > 0 || history === 0 ? [plural(rows, 'row')] : []),
        ...(history > 0 ? [plural(history, 'history row')] : []),
      ].join(', '),
    }));
  if (missingKeys.length > 0) {
    const message = `Stored secrets are encrypted with key(s) that are not configured: ${missingKeys
      .map(({ keyId, counts }) => `'${keyId}' (${counts})`)
      .join(
        ', ',
      )}. Add those keys back to secrets.encryption.keys (after the primary key), or install the key provider named before the ':', and keep them until GET /api/secrets/encryption shows them removable.`;
    if (!options.config.startWithUnreadableRows()) {
      throw new Error(
        `${message} To start anyway (those secrets then show as unreadable and can only be cleared or set again), set secrets.encryption.startWithUnreadableRows: true.`,
      );
    }
    logger.error(message);
  }
}

/**
 * Pins must never serve an encryption key; pins of names that no plugin
 * registers, or of per-user secrets, are ignored with a warning.
 */
export function guardPins(options: {
  logger: LoggerService;
  /** secrets.encryption.keys, when configured */
  keyring?: Keyring;
  pins: Pick<Pins, 'all'>;
  registry: SecretsRegistry;
}): void {
  const { logger, keyring, pins, registry } = options;
  for (const [name, pin] of pins.all()) {
    if (keyring?.matchesAnyKey(pin.value)) {
      throw new Error(
        `${pin.pinnedBy} holds one of the encryption keys. Encryption keys must never be served as secrets: remove that pin, and keep the key in secrets.encryption.keys only.`,
      );
    }
    if (!registry.get(name)) {
      logger.warn(
        `${pin.pinnedBy} pins secret ${name}, which no plugin registers; it is ignored.`,
      );
    } else if (registry.get(name)?.scope === 'user') {
      logger.warn(
        `${pin.pinnedBy} pins secret ${name}, which holds one value per user; pins do not apply to it and it is ignored.`,
      );
    }
  }
}
