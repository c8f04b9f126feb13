import { toError } from '@backstage/errors';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { LastUsedRecord } from '../database';

/**
 * Remembers the latest read of each secret in memory and writes them to the
 * database in batches: at most one write per secret per flush, however many
 * reads happened, so the read path never writes.
 */
export class LastUsedTracker<
  R extends { name: string; at: string } = LastUsedRecord,
> {
  #pending = new Map<string, R>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;

  constructor(
    private readonly store: { recordLastUsed(records: R[]): Promise<void> },
    private readonly logger: LoggerService,
    /** What one record stands for: a secret, or a (secret, user) pair. */
    private readonly keyOf: (record: R) => string = record => record.name,
  ) {}

  record(record: R): void {
    this.#pending.set(this.keyOf(record), record);
  }

  /** The newest unflushed read of a key, so the list shows it at once. */
  peek(key: string): R | undefined {
    return this.#pending.get(key);
  }

  start(intervalMs: number): void {
    this.#timer = setInterval(() => {
      this.flush().catch(() => {
        // flush() logs and keeps the records for the next try
      });
    }, intervalMs);
    // The shutdown hook flushes; the timer must not keep the process alive.
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  async flush(): Promise<void> {
    // Serialise flushes so a slow one is never overtaken by the next.
    while (this.#flushing) await this.#flushing;
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    this.#flushing = (async () => {
      try {
        await this.store.recordLastUsed(batch);
      } catch (error) {
        // Put the records back unless a newer read replaced them meanwhile.
        for (const record of batch) {
          const key = this.keyOf(record);
          const newer = this.#pending.get(key);
          if (!newer || newer.at < record.at) this.#pending.set(key, record);
        }
        this.logger.warn(
          `Could not record when ${
            batch.length
          } secret(s) were last used; will retry: ${toError(error).message}`,
        );
        throw error;
      } finally {
        this.#flushing = undefined;
      }
    })();
    await this.#flushing;
  }
}
