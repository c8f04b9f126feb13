import type { Knex } from 'knex';
import type { SecretSource } from '@backstage-secrets/plugin-secrets-common';
import { guardStoreErrors } from './storeErrors';

/** The last check of a secret's value (never the value, never a message). */
export interface SecretCheckRecord {
  name: string;
  /** ISO-8601 UTC */
  checkedAt: string;
  ok: boolean;
  /** where the checked value came from */
  source: Exclude<SecretSource, 'unset'>;
  /** the stored version checked; undefined for a pinned value */
  version?: number;
}

/** Where the last check of each secret is kept. */
export interface SecretChecksStore {
  /** Records a check, replacing the previous one of the name. */
  record(check: SecretCheckRecord): Promise<void>;
  /** The last check of every name, in one query. */
  list(): Promise<SecretCheckRecord[]>;
  get(name: string): Promise<SecretCheckRecord | undefined>;
}

type Row = {
  name: string;
  checked_at: string;
  ok: boolean | number;
  version: number | string | null;
  source: string;
};

const TABLE = 'secret_checks';

function toRecord(row: Row): SecretCheckRecord {
  return {
    name: row.name,
    checkedAt: row.checked_at,
    // SQLite hands booleans back as 0/1.
    ok: Boolean(row.ok),
    source: row.source as SecretCheckRecord['source'],
    version: row.version === null ? undefined : Number(row.version),
  };
}

/** The `secret_checks` table of the plugin's database. */
export class DatabaseSecretChecksStore implements SecretChecksStore {
  constructor(private readonly db: Knex) {}

  async record(check: SecretCheckRecord): Promise<void> {
    return guardStoreErrors('record a secret check', async () => {
      await this.db<Row>(TABLE)
        .insert({
          name: check.name,
          checked_at: check.checkedAt,
          ok: check.ok,
          version: check.version ?? null,
          source: check.source,
        })
        .onConflict('name')
        .merge();
    });
  }

  async list(): Promise<SecretCheckRecord[]> {
    return guardStoreErrors('list secret checks', async () => {
      const rows = (await this.db<Row>(TABLE).select()) as Row[];
      return rows.map(toRecord);
    });
  }

  async get(name: string): Promise<SecretCheckRecord | undefined> {
    return guardStoreErrors('read a secret check', async () => {
      const row = (await this.db<Row>(TABLE).where({ name }).first()) as
        | Row
        | undefined;
      return row ? toRecord(row) : undefined;
    });
  }
}
