import type { KeyObject } from 'node:crypto';

/** Bounds of the cache of unwrapped data keys. */
export interface DataKeyCacheOptions {
  /** how long an unwrapped data key is kept (from when it was unwrapped) */
  ttlMs: number;
  /** at most this many keys; the oldest go first */
  maxEntries?: number;
  /** the clock (tests) */
  now?: () => number;
}

type Entry = {
  key?: KeyObject;
  /** an unwrap under way: concurrent cold reads share it */
  pending?: Promise<KeyObject>;
  expiresAt: number;
};

/**
 * Unwrapped data keys, in memory only, bounded in number (the oldest go
 * first) and time: a warm
 * read never calls the key provider, a cold one calls it at most once per
 * data key per TTL (concurrent cold reads of one key share the call). A
 * failed unwrap is not kept: the next read tries again.
 */
export class DataKeyCache {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: DataKeyCacheOptions) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The cached key, synchronously; undefined when absent, pending or expired. */
  peek(id: string): KeyObject | undefined {
    // No reordering on a hit: a hit costs one lookup. Keys expire in the
    // order they were unwrapped anyway, so the oldest go first.
    return this.#fresh(id)?.key;
  }

  /** The cached key, or the one `unwrap` yields (then cached). */
  async get(id: string, unwrap: () => Promise<KeyObject>): Promise<KeyObject> {
    const cached = this.peek(id);
    if (cached) return cached;
    const pending = this.#fresh(id)?.pending;
    if (pending) return pending;
    const entry: Entry = { expiresAt: this.#now() + this.#ttlMs };
    entry.pending = unwrap().then(
      key => {
        entry.key = key;
        entry.pending = undefined;
        return key;
      },
      error => {
        if (this.#entries.get(id) === entry) this.#entries.delete(id);
        throw error;
      },
    );
    this.#store(id, entry);
    return entry.pending;
  }

  /** Keeps a key just made (a write): its first reads are warm. */
  set(id: string, key: KeyObject): void {
    this.#store(id, { key, expiresAt: this.#now() + this.#ttlMs });
  }

  clear(): void {
    this.#entries.clear();
  }

  #fresh(id: string): Entry | undefined {
    const entry = this.#entries.get(id);
    if (entry && entry.expiresAt <= this.#now()) {
      this.#entries.delete(id);
      return undefined;
    }
    return entry;
  }

  #store(id: string, entry: Entry): void {
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }
}
