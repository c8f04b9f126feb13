import type { Knex } from 'knex';
import { guardStoreErrors } from './storeErrors';

/** The reminder states, in the order a value ages through them. */
export type ReminderState = 'due-soon' | 'overdue';

/** The last reminder sent about a secret. */
export interface ReminderRecord {
  name: string;
  state: ReminderState;
  /** the version of the value it was about */
  version: number;
  /** when the reminder was claimed for sending */
  notifiedAt: string;
  /**
   * When the notification service accepted it; absent while a replica is
   * sending it (or died doing so).
   */
  sentAt?: string;
}

const TABLE = 'secret_reminders';

/** Another writer inserted the row first (PostgreSQL, SQLite, MySQL). */
function isDuplicateKey(error: unknown): boolean {
  const code = String((error as { code?: unknown })?.code ?? '');
  return (
    code === '23505' ||
    code === 'ER_DUP_ENTRY' ||
    code.startsWith('SQLITE_CONSTRAINT')
  );
}

type Row = {
  name: string;
  state: string;
  version: number | string;
  notified_at: string;
  sent_at: string | null;
};

function toRecord(row: Row): ReminderRecord {
  return {
    name: row.name,
    state: row.state as ReminderState,
    version: Number(row.version),
    notifiedAt: row.notified_at,
    ...(row.sent_at ? { sentAt: row.sent_at } : {}),
  };
}

/**
 * The `secret_reminders` table (migrated with the plugin's other tables).
 * Every write is conditional on the row the caller read, so two replicas
 * that evaluate the same secret at once cannot both claim a reminder.
 */
export class ReminderStateStore {
  constructor(private readonly db: Knex) {}

  async list(): Promise<ReminderRecord[]> {
    return guardStoreErrors('list rotation reminders', async () => {
      const rows = (await this.db(TABLE).select()) as Row[];
      return rows.map(toRecord);
    });
  }

  /**
   * Replaces `previous` (undefined: no row) with `next`; false when another
   * writer changed the row since it was read.
   */
  async compareAndSet(
    previous: ReminderRecord | undefined,
    next: ReminderRecord,
  ): Promise<boolean> {
    return guardStoreErrors('record a rotation reminder', async () => {
      const row = {
        state: next.state,
        version: next.version,
        notified_at: next.notifiedAt,
        sent_at: next.sentAt ?? null,
      };
      if (!previous) {
        try {
          await this.db(TABLE).insert({ name: next.name, ...row });
          return true;
        } catch (error) {
          if (isDuplicateKey(error)) return false;
          throw error;
        }
      }
      const updated = await this.#matching(previous).update(row);
      return updated === 1;
    });
  }

  /** Deletes `previous` if it is still the row; false otherwise. */
  async remove(previous: ReminderRecord): Promise<boolean> {
    return guardStoreErrors('forget a rotation reminder', async () => {
      return (await this.#matching(previous).delete()) === 1;
    });
  }

  #matching(record: ReminderRecord) {
    return this.db(TABLE).where({
      name: record.name,
      state: record.state,
      version: record.version,
      notified_at: record.notifiedAt,
      // knex turns null into IS NULL
      sent_at: record.sentAt ?? null,
    });
  }
}
