import type { Knex } from 'knex';
import { guardStoreErrors } from './storeErrors';

const TABLE = 'secret_change_watermark';

/**
 * The change counter readers poll (migration 20261206090000): moved forward
 * on every change, read in one primary-key lookup.
 */
export class ChangeWatermark {
  constructor(private readonly db: Knex) {}

  /** Moves the counter forward (atomically, whichever replica writes). */
  async bump(): Promise<void> {
    await guardStoreErrors('move the change watermark', async () => {
      await this.db(TABLE)
        .where({ id: 1 })
        .update({ changes: this.db.raw('changes + 1') });
    });
  }

  /** The counter, as a string (it may outgrow a JavaScript number's precision in theory). */
  async read(): Promise<string> {
    return guardStoreErrors('read the change watermark', async () => {
      const row = await this.db(TABLE).where({ id: 1 }).first('changes');
      return String(row?.changes ?? 0);
    });
  }
}
