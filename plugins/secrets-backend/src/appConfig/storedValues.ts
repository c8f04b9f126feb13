import type { Knex } from 'knex';
import type { EncryptedValue } from '../crypto';

/** A stored value read for app-config, with the version it came from. */
export interface LoadedValue {
  version: number;
  value: string;
}

type Decrypt = (
  name: string,
  version: number,
  stored: EncryptedValue,
) => Promise<string>;

const TABLE = 'secrets';

/**
 * Reads the `appConfig` secrets straight from the plugin's `secrets` table,
 * read-only: the plugin owns the schema and its migrations. A table that
 * does not exist yet (first start, before the plugin migrated) reads as
 * empty, so start-up never fails because of it.
 */
export class AppConfigStoreReader {
  constructor(
    private readonly db: Knex,
    private readonly names: string[],
    private readonly decrypt: Decrypt,
  ) {}

  async #query<T>(run: () => Promise<T>, empty: T): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!(await this.db.schema.hasTable(TABLE).catch(() => true))) {
        return empty;
      }
      throw error;
    }
  }

  /**
   * One cheap query (no ciphertext, no decryption): what changes whenever
   * one of the values is set, cleared, purged or re-encrypted.
   */
  async fingerprint(): Promise<string> {
    if (this.names.length === 0) return '';
    const rows = await this.#query(
      () =>
        this.db(TABLE)
          .whereIn('name', this.names)
          .orderBy('name')
          .select('name', 'version', 'updated_at', 'key_id'),
      [] as Array<Record<string, unknown>>,
    );
    return rows
      .map(r => `${r.name}:${r.version}:${r.updated_at}:${r.key_id}`)
      .join(',');
  }

  /**
   * The live values, decrypted exactly as the plugin does (associated data
   * binds name and version). A value that fails to decrypt reads as unset,
   * with a warning that names the secret, never the value.
   */
  async read(
    warn: (message: string) => void,
  ): Promise<Map<string, LoadedValue>> {
    const values = new Map<string, LoadedValue>();
    if (this.names.length === 0) return values;
    const rows = await this.#query(
      () =>
        this.db(TABLE)
          .whereIn('name', this.names)
          .whereNotNull('ciphertext')
          // every column: the envelope columns (key_provider, wrapped_key)
          // exist only once the plugin ran its migrations
          .select('*'),
      [] as Array<Record<string, any>>,
    );
    for (const row of rows) {
      const version = Number(row.version);
      try {
        // `local` envelope rows unwrap with secrets.encryption.keys; a row
        // another provider (a module's KMS) wrapped cannot be read here,
        // before any module exists: it is left out, with the warning below.
        const value = await this.decrypt(row.name, version, {
          keyId: row.key_id,
          ciphertext: row.ciphertext,
          ...(row.key_provider ? { provider: row.key_provider } : {}),
          ...(row.wrapped_key ? { wrappedKey: row.wrapped_key } : {}),
        });
        values.set(row.name, { version, value });
      } catch (error) {
        warn(
          `Stored secret ${row.name} is left out of app-config: ${
            (error as Error).message
          }`,
        );
      }
    }
    return values;
  }
}
