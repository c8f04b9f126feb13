import type { LoggerService } from '@backstage/backend-plugin-api';
import type { LastUsedRecord, SecretsStore } from '../database/SecretsStore';

/**
 * Remembers the latest read of each secret in memory and writes them to the
 * database in batches: at most one write per secret per flush, however many
 * reads happened, so the read path never writes.
 */
export class LastUsedTracker {
  #pending = new Map<string, LastUsedRecord>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  /** Number of row writes issued by flushes; for tests and benchmarks. */
  writes = 0;

  constructor(
    private readonly store: SecretsStore,
    private readonly logger: LoggerService,
  ) {}

  record(record: LastUsedRecord): void {
    this.#pending.set(record.name, record);
  }

  /** The newest unflushed read of a secret, so the list shows it at once. */
  peek(name: string): LastUsedRecord | undefined {
    return this.#pending.get(name);
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
        this.writes += batch.length;
      } catch (error) {
        // Put the records back unless a newer read replaced them meanwhile.
        for (const record of batch) {
          const newer = this.#pending.get(record.name);
          if (!newer || newer.at < record.at)
            this.#pending.set(record.name, record);
        }
        this.logger.warn(
          `Could not record when ${
            batch.length
          } secret(s) were last used; will retry: ${(error as Error).message}`,
        );
        throw error;
      } finally {
        this.#flushing = undefined;
      }
    })();
    await this.#flushing;
  }
}
