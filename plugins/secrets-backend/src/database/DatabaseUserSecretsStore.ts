import type { Knex } from 'knex';
import type { KeyCount, StoredVersion } from './SecretsStore';
import type {
  StoredGrant,
  StoredUserSecret,
  StoredUserSecretMetadata,
  UserLastUsedRecord,
  UserSecretsStore,
} from './UserSecretsStore';
import { guardStoreErrors } from './storeErrors';
import * as versioned from './versionedRows';

const VALUES = 'user_secrets';
const GRANTS = 'user_secret_grants';

type Row = {
  name: string;
  user_ref: string;
  ciphertext: string | null;
  key_id: string | null;
  key_provider?: string | null;
  wrapped_key?: string | null;
  version: number | string;
  created_at: string;
  updated_at: string;
  last_used_at: string | null;
  last_used_by: string | null;
  owner_missing_since: string | null;
};
type LiveRow = Row & { ciphertext: string; key_id: string };

function toMetadata(row: LiveRow): StoredUserSecretMetadata {
  return {
    name: row.name,
    userRef: row.user_ref,
    keyId: row.key_id,
    ...(row.key_provider ? { provider: row.key_provider } : {}),
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastUsedAt: row.last_used_at ?? undefined,
    lastUsedBy: row.last_used_by ?? undefined,
  };
}

function toStored(row: LiveRow): StoredUserSecret {
  return {
    ...toMetadata(row),
    ...versioned.envelopeOf(row),
    ciphertext: row.ciphertext,
  };
}

type Options<K extends keyof UserSecretsStore> = Parameters<
  UserSecretsStore[K]
>[0];

/**
 * Users' own values (`user_secrets`) and grants (`user_secret_grants`) in
 * the plugin's database; migrated by {@link DatabaseSecretsStore.create}.
 */
export class DatabaseUserSecretsStore implements UserSecretsStore {
  constructor(private readonly db: Knex) {}

  #live() {
    return versioned.liveRows(this.db, VALUES);
  }

  async listForUser(userRef: string): Promise<StoredUserSecretMetadata[]> {
    return guardStoreErrors("list a user's secrets", async () => {
      const rows = (await this.#live()
        .where({ user_ref: userRef })
        .orderBy('name')) as LiveRow[];
      return rows.map(toMetadata);
    });
  }

  async grantsOf(userRef: string): Promise<StoredGrant[]> {
    return guardStoreErrors("list a user's grants", async () => {
      const rows = await this.db(GRANTS)
        .where({ user_ref: userRef })
        .orderBy(['name', 'plugin_id']);
      return rows.map(row => ({
        name: row.name,
        pluginId: row.plugin_id,
        allowed: Boolean(row.allowed),
      }));
    });
  }

  async listGrantedPlugins(): Promise<
    Array<{ name: string; pluginId: string }>
  > {
    return guardStoreErrors('list granted plugins', async () => {
      const rows: Array<{ name: string; plugin_id: string }> = await this.db(
        GRANTS,
      )
        .distinct('name', 'plugin_id')
        .orderBy(['name', 'plugin_id']);
      return rows.map(row => ({ name: row.name, pluginId: row.plugin_id }));
    });
  }

  async deleteGrants(name: string, pluginId: string): Promise<number> {
    return guardStoreErrors('delete grants', () =>
      this.db(GRANTS).where({ name, plugin_id: pluginId }).delete(),
    );
  }

  async isAllowed(
    name: string,
    userRef: string,
    pluginId: string,
  ): Promise<boolean> {
    return guardStoreErrors('read a grant', async () => {
      const row = await this.db(GRANTS)
        .where({ name, user_ref: userRef, plugin_id: pluginId })
        .first('allowed');
      return Boolean(row?.allowed);
    });
  }

  async setGrant(options: Options<'setGrant'>): Promise<void> {
    return guardStoreErrors('write a grant', async () => {
      await this.db(GRANTS)
        .insert({
          name: options.name,
          user_ref: options.userRef,
          plugin_id: options.pluginId,
          allowed: options.allowed,
          updated_at: options.now,
        })
        .onConflict(['name', 'user_ref', 'plugin_id'])
        .merge(['allowed', 'updated_at']);
    });
  }

  async get(
    name: string,
    userRef: string,
  ): Promise<StoredUserSecret | undefined> {
    return guardStoreErrors("read a user's secret", async () => {
      const row = (await this.#live()
        .where({ name, user_ref: userRef })
        .first()) as LiveRow | undefined;
      return row ? toStored(row) : undefined;
    });
  }

  async getVersion(
    name: string,
    userRef: string,
  ): Promise<StoredVersion | undefined> {
    return guardStoreErrors("read a user's secret version", async () => {
      const row = (await this.db<Row>(VALUES)
        .where({ name, user_ref: userRef })
        .first()) as Row | undefined;
      if (!row) return undefined;
      return {
        version: Number(row.version),
        live: row.ciphertext !== null,
      };
    });
  }

  async compareAndSet(
    options: Options<'compareAndSet'>,
  ): ReturnType<UserSecretsStore['compareAndSet']> {
    return guardStoreErrors("write a user's secret", async () => {
      const { name, userRef, previous, version, encrypted, now } = options;
      const key = { name, user_ref: userRef };
      const written = await versioned.writeVersion(this.db, VALUES, {
        key,
        previous,
        version,
        encrypted,
        insert: { created_at: now, updated_at: now },
        // A value set after a clear is created anew.
        update: previous?.live
          ? { updated_at: now }
          : { created_at: now, updated_at: now },
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

  async clear(name: string, userRef: string, now: string): Promise<boolean> {
    return guardStoreErrors("clear a user's secret", () =>
      versioned.clearLive(
        this.db,
        VALUES,
        { name, user_ref: userRef },
        { updated_at: now },
      ),
    );
  }

  async countUsersByName(): Promise<Map<string, number>> {
    return guardStoreErrors('count users per secret', async () => {
      const rows: Array<{ name: string; count: number | string }> =
        await this.#live().select('name').count({ count: '*' }).groupBy('name');
      return new Map(rows.map(row => [row.name, Number(row.count)]));
    });
  }

  async countByKeyId(): Promise<KeyCount[]> {
    return guardStoreErrors("count users' secrets by key", () =>
      versioned.countLiveByKeyId(this.db, VALUES),
    );
  }

  async listNotUnderKey(
    options: Options<'listNotUnderKey'>,
  ): Promise<StoredUserSecret[]> {
    return guardStoreErrors("list users' secrets to re-encrypt", async () => {
      const { after } = options;
      const query = versioned.notUnderKey(this.#live(), options);
      if (after) {
        query.andWhere(q =>
          q
            .where('name', '>', after.name)
            .orWhere(q2 =>
              q2
                .where('name', after.name)
                .andWhere('user_ref', '>', after.userRef),
            ),
        );
      }
      const rows = (await query
        .orderBy(['name', 'user_ref'])
        .limit(options.limit)) as LiveRow[];
      return rows.map(toStored);
    });
  }

  async replaceCiphertext(
    options: Options<'replaceCiphertext'>,
  ): Promise<boolean> {
    const { name, userRef, ...rest } = options;
    return guardStoreErrors("re-encrypt a user's secret", () =>
      versioned.replaceExactCiphertext(this.db, VALUES, {
        key: { name, user_ref: userRef },
        ...rest,
      }),
    );
  }

  async recordLastUsed(records: UserLastUsedRecord[]): Promise<void> {
    return guardStoreErrors("record last use of users' secrets", () =>
      versioned.recordLastUse(
        this.db,
        VALUES,
        records.map(record => ({
          key: { name: record.name, user_ref: record.userRef },
          at: record.at,
          columns: { last_used_by: record.by },
        })),
      ),
    );
  }

  async listOwners(): Promise<
    Array<{ userRef: string; hasRows: boolean; missingSince?: string }>
  > {
    return guardStoreErrors('list owners of secrets', async () => {
      const values: Array<{ user_ref: string; missing: string | null }> =
        await this.db(VALUES)
          .select('user_ref')
          .min({ missing: 'owner_missing_since' })
          .groupBy('user_ref');
      const grants: Array<{ user_ref: string }> = await this.db(
        GRANTS,
      ).distinct('user_ref');
      const owners = new Map<
        string,
        { userRef: string; hasRows: boolean; missingSince?: string }
      >();
      for (const row of values) {
        owners.set(row.user_ref, {
          userRef: row.user_ref,
          hasRows: true,
          missingSince: row.missing ?? undefined,
        });
      }
      for (const row of grants) {
        if (!owners.has(row.user_ref)) {
          owners.set(row.user_ref, { userRef: row.user_ref, hasRows: false });
        }
      }
      return [...owners.values()];
    });
  }

  async markOwners(options: Options<'markOwners'>): Promise<void> {
    return guardStoreErrors('mark owners of secrets', async () => {
      if (options.missing.length > 0) {
        await this.db(VALUES)
          .whereIn('user_ref', options.missing)
          .whereNull('owner_missing_since')
          .update({ owner_missing_since: options.now });
      }
      if (options.found.length > 0) {
        await this.db(VALUES)
          .whereIn('user_ref', options.found)
          .whereNotNull('owner_missing_since')
          .update({ owner_missing_since: null });
      }
    });
  }

  async deleteOwner(userRef: string): Promise<{ values: number }> {
    return guardStoreErrors("delete a user's secrets", async () =>
      this.db.transaction(async tx => {
        const live = await tx(VALUES)
          .where({ user_ref: userRef })
          .whereNotNull('ciphertext')
          .count({ count: '*' });
        await tx(VALUES).where({ user_ref: userRef }).delete();
        await tx(GRANTS).where({ user_ref: userRef }).delete();
        return { values: Number(live[0]?.count ?? 0) };
      }),
    );
  }
}
