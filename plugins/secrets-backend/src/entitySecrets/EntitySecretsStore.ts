import type { Knex } from 'knex';
import type { EncryptedValue } from '../crypto';
import {
  guardStoreErrors,
  type KeyCount,
  type NotUnderKeyPage,
  type StoredVersion,
  versionedRows as versioned,
} from '../database';

const VALUES = 'entity_secrets';

/** An entity's stored value, as the store hands it out. */
export interface StoredEntitySecret extends EncryptedValue {
  name: string;
  entityRef: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  updatedBy?: string;
  lastUsedAt?: string;
  /** `plugin:<id>` */
  lastUsedBy?: string;
}

/** Metadata of an entity's stored value: never the ciphertext. */
export type StoredEntitySecretMetadata = Omit<
  StoredEntitySecret,
  'ciphertext' | 'wrappedKey' | 'keyId' | 'provider'
>;

/** A use of an entity's value, waiting to be flushed. */
export interface EntityLastUsedRecord {
  name: string;
  entityRef: string;
  at: string;
  /** `plugin:<id>` */
  by: string;
}

type Row = {
  name: string;
  entity_ref: string;
  ciphertext: string | null;
  key_id: string | null;
  key_provider: string | null;
  wrapped_key: string | null;
  version: number | string;
  created_at: string;
  updated_at: string;
  updated_by: string | null;
  last_used_at: string | null;
  last_used_by: string | null;
  entity_missing_since: string | null;
};
type LiveRow = Row & { ciphertext: string; key_id: string };

function toMetadata(row: LiveRow): StoredEntitySecretMetadata {
  return {
    name: row.name,
    entityRef: row.entity_ref,
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by ?? undefined,
    lastUsedAt: row.last_used_at ?? undefined,
    lastUsedBy: row.last_used_by ?? undefined,
  };
}

function toStored(row: LiveRow): StoredEntitySecret {
  return {
    ...toMetadata(row),
    keyId: row.key_id,
    ...versioned.envelopeOf(row),
    ciphertext: row.ciphertext,
  };
}

/**
 * Entities' own values of entity-scoped secrets (`entity_secrets`), keyed
 * by name and entity ref. Like the other value tables: a row is live while
 * it has a ciphertext, a cleared row keeps its version, writes are
 * compare-and-set, and errors carry the operation and code only.
 */
export class EntitySecretsStore {
  constructor(private readonly db: Knex) {}

  #live() {
    return versioned.liveRows(this.db, VALUES);
  }

  /** An entity's stored values (cleared ones excluded), metadata only. */
  async listForEntity(
    entityRef: string,
  ): Promise<StoredEntitySecretMetadata[]> {
    return guardStoreErrors("list an entity's secrets", async () => {
      const rows = (await this.#live()
        .where({ entity_ref: entityRef })
        .orderBy('name')) as LiveRow[];
      return rows.map(toMetadata);
    });
  }

  /** An entity's stored value, or undefined when unset or cleared. */
  async get(
    name: string,
    entityRef: string,
  ): Promise<StoredEntitySecret | undefined> {
    return guardStoreErrors("read an entity's secret", async () => {
      const row = (await this.#live()
        .where({ name, entity_ref: entityRef })
        .first()) as LiveRow | undefined;
      return row ? toStored(row) : undefined;
    });
  }

  async getVersion(
    name: string,
    entityRef: string,
  ): Promise<StoredVersion | undefined> {
    return guardStoreErrors("read an entity's secret version", async () => {
      const row = (await this.db<Row>(VALUES)
        .where({ name, entity_ref: entityRef })
        .first()) as Row | undefined;
      if (!row) return undefined;
      return { version: Number(row.version), live: row.ciphertext !== null };
    });
  }

  /** Writes `version` if the row is still the one the caller read. */
  async compareAndSet(options: {
    name: string;
    entityRef: string;
    previous: StoredVersion | undefined;
    version: number;
    encrypted: EncryptedValue;
    actor: string;
    now: string;
  }): Promise<
    | { ok: true; row: StoredEntitySecretMetadata }
    | { ok: false; currentVersion: number }
  > {
    return guardStoreErrors("write an entity's secret", async () => {
      const { name, entityRef, previous, version, encrypted, actor, now } =
        options;
      const key = { name, entity_ref: entityRef };
      const written = await versioned.writeVersion(this.db, VALUES, {
        key,
        previous,
        version,
        encrypted,
        insert: { created_at: now, updated_at: now, updated_by: actor },
        update: previous?.live
          ? { updated_at: now, updated_by: actor }
          : { created_at: now, updated_at: now, updated_by: actor },
      });
      if (!written) {
        return {
          ok: false as const,
          currentVersion: await versioned.liveVersion(this.db, VALUES, key),
        };
      }
      const row = (await this.#live().where(key).first()) as LiveRow;
      return { ok: true as const, row: toMetadata(row) };
    });
  }

  /** Clears an entity's value (keeping its version). True when one was stored. */
  async clear(
    name: string,
    entityRef: string,
    actor: string,
    now: string,
  ): Promise<boolean> {
    return guardStoreErrors("clear an entity's secret", () =>
      versioned.clearLive(
        this.db,
        VALUES,
        { name, entity_ref: entityRef },
        { updated_at: now, updated_by: actor },
      ),
    );
  }

  /** How many entities have a value of their own, per secret name. */
  async countEntitiesByName(): Promise<Map<string, number>> {
    return guardStoreErrors('count entities per secret', async () => {
      const rows: Array<{ name: string; count: number | string }> =
        await this.#live().select('name').count({ count: '*' }).groupBy('name');
      return new Map(rows.map(row => [row.name, Number(row.count)]));
    });
  }

  countByKeyId(): Promise<KeyCount[]> {
    return guardStoreErrors("count entities' secrets by key", () =>
      versioned.countLiveByKeyId(this.db, VALUES),
    );
  }

  /** The next stored values not under a key (by name, then entity). */
  async listNotUnderKey(
    options: NotUnderKeyPage<{ name: string; entityRef: string }>,
  ): Promise<StoredEntitySecret[]> {
    return guardStoreErrors(
      "list entities' secrets to re-encrypt",
      async () => {
        const { after } = options;
        const query = versioned.notUnderKey(this.#live(), options);
        if (after) {
          query.andWhere(q =>
            q
              .where('name', '>', after.name)
              .orWhere(q2 =>
                q2
                  .where('name', after.name)
                  .andWhere('entity_ref', '>', after.entityRef),
              ),
          );
        }
        const rows = (await query
          .orderBy(['name', 'entity_ref'])
          .limit(options.limit)) as LiveRow[];
        return rows.map(toStored);
      },
    );
  }

  /** Re-encrypts a value only if the row is exactly the one that was read. */
  async replaceCiphertext(options: {
    name: string;
    entityRef: string;
    version: number;
    fromKeyId: string;
    fromWrappedKey?: string;
    fromCiphertext: string;
    encrypted: EncryptedValue;
  }): Promise<boolean> {
    const { name, entityRef, ...rest } = options;
    return guardStoreErrors("re-encrypt an entity's secret", () =>
      versioned.replaceExactCiphertext(this.db, VALUES, {
        key: { name, entity_ref: entityRef },
        ...rest,
      }),
    );
  }

  async recordLastUsed(records: EntityLastUsedRecord[]): Promise<void> {
    return guardStoreErrors("record last use of entities' secrets", () =>
      versioned.recordLastUse(
        this.db,
        VALUES,
        records.map(record => ({
          key: { name: record.name, entity_ref: record.entityRef },
          at: record.at,
          columns: { last_used_by: record.by },
        })),
      ),
    );
  }

  /** Every entity with a stored row, and when it was first found missing. */
  async listEntities(): Promise<
    Array<{ entityRef: string; missingSince?: string }>
  > {
    return guardStoreErrors('list entities with secrets', async () => {
      const rows = (await this.db(VALUES)
        .select('entity_ref')
        .min({ missing: 'entity_missing_since' })
        .groupBy('entity_ref')
        .orderBy('entity_ref')) as Array<{
        entity_ref: string;
        missing: string | null;
      }>;
      return rows.map(row => ({
        entityRef: row.entity_ref,
        ...(row.missing ? { missingSince: row.missing } : {}),
      }));
    });
  }

  /** Marks entities missing from the catalog (keeps an earlier mark), or found again. */
  async markEntities(options: {
    missing: string[];
    found: string[];
    now: string;
  }): Promise<void> {
    return guardStoreErrors('mark entities with secrets', async () => {
      if (options.missing.length > 0) {
        await this.db(VALUES)
          .whereIn('entity_ref', options.missing)
          .whereNull('entity_missing_since')
          .update({ entity_missing_since: options.now });
      }
      if (options.found.length > 0) {
        await this.db(VALUES)
          .whereIn('entity_ref', options.found)
          .whereNotNull('entity_missing_since')
          .update({ entity_missing_since: null });
      }
    });
  }

  /** Deletes every value of an entity, tombstones too; the count of live values. */
  async deleteEntity(entityRef: string): Promise<{ values: number }> {
    return guardStoreErrors("delete an entity's secrets", async () =>
      this.db.transaction(async tx => {
        const live = await tx(VALUES)
          .where({ entity_ref: entityRef })
          .whereNotNull('ciphertext')
          .count({ count: '*' });
        await tx(VALUES).where({ entity_ref: entityRef }).delete();
        return { values: Number(live[0]?.count ?? 0) };
      }),
    );
  }
}
