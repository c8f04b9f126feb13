/** What a cached read is for: a name, and the user for a user's own value. */
export interface ReadKey {
  name: string;
  /** the user's entity ref, for a user's own value; absent for a shared value */
  user?: string;
  /** the entity's ref, for an entity's value of an entity-scoped secret */
  entity?: string;
}

interface Entry<T> {
  /** when the backend answered; Infinity while the request is in flight */
  answeredAt: number;
  answer: Promise<T>;
}

/**
 * The answers a client reuses, in memory only.
 *
 * - Freshness: an answer is reused while it is younger than the window that
 *   `windowMs` gives at read time, so that a window that shrinks (the event
 *   bus stopped being trusted) shortens every kept answer at once. A window
 *   of 0 disables reuse.
 * - Sharing: concurrent readers of a missing or expired key share one load.
 * - Errors are never kept: a rejected load is forgotten.
 * - Bound: at most `maxEntries` keys. Adding one more evicts the least
 *   recently used key (a JavaScript `Map` iterates in insertion order, and a
 *   reuse re-inserts its key). Per-user values would otherwise grow with the
 *   number of users, and expired answers are only replaced when read again.
 */
export class ReadCache<T> {
  readonly #maxEntries: number;
  readonly #windowMs: (now: number) => number;
  readonly #entries = new Map<string, Entry<T>>();

  constructor(options: {
    maxEntries: number;
    windowMs: (now: number) => number;
  }) {
    // At least one: a bound below that (or not a number) would evict the
    // answer being loaded before its concurrent readers could share it.
    const maxEntries = Math.floor(options.maxEntries);
    this.#maxEntries = maxEntries >= 1 ? maxEntries : 1;
    this.#windowMs = options.windowMs;
  }

  /** How many keys are kept. */
  get size(): number {
    return this.#entries.size;
  }

  /** The kept answer for `key` if still fresh, else a new `load()`. */
  read(key: ReadKey, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const window = this.#windowMs(now);
    if (window === 0) {
      return load();
    }
    const id = entryId(key);
    const kept = this.#entries.get(id);
    if (kept && now - kept.answeredAt < window) {
      this.#touch(id, kept);
      return kept.answer;
    }
    const answer = load();
    // Until the load settles, concurrent readers share it; afterwards the
    // answer is reused, counted from the answer.
    const entry: Entry<T> = { answeredAt: Number.POSITIVE_INFINITY, answer };
    this.#touch(id, entry);
    this.#evictBeyondBound();
    answer.then(
      () => {
        entry.answeredAt = Date.now();
      },
      () => {
        if (this.#entries.get(id) === entry) this.#entries.delete(id);
      },
    );
    return answer;
  }

  /**
   * The kept answer for `key` when it has settled and is still fresh (never
   * one in flight, which may yet fail); else undefined. A warm read that
   * must treat a failed load specially checks this first, so that only a
   * load pays for the handling.
   */
  settled(key: ReadKey): Promise<T> | undefined {
    const now = Date.now();
    const id = entryId(key);
    const kept = this.#entries.get(id);
    if (!kept || kept.answeredAt === Number.POSITIVE_INFINITY) return undefined;
    if (!(now - kept.answeredAt < this.#windowMs(now))) return undefined;
    this.#touch(id, kept);
    return kept.answer;
  }

  /**
   * Forgets a changed name: the shared answer and every user's and
   * entity's, answered or in flight (an answer in flight may predate the
   * change); with `entity`, only that entity's answer of the name.
   */
  drop(name: string, entity?: string): void {
    if (entity !== undefined) {
      this.#entries.delete(entryId({ name, entity }));
      return;
    }
    const userPrefix = entryId({ name, user: '' });
    for (const id of this.#entries.keys()) {
      if (id === name || id.startsWith(userPrefix)) this.#entries.delete(id);
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
  }

  /** Stores `entry` as the most recently used. */
  #touch(id: string, entry: Entry<T>): void {
    this.#entries.delete(id);
    this.#entries.set(id, entry);
  }

  #evictBeyondBound(): void {
    for (const id of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) return;
      this.#entries.delete(id);
    }
  }
}

/**
 * Secret names never hold NUL, so it cannot make two keys collide; an
 * entity's key has a second NUL, which a user's entity ref never holds.
 */
function entryId({ name, user, entity }: ReadKey): string {
  if (entity !== undefined) return entityEntryId(name, entity);
  return user === undefined ? name : `${name}\u0000${user}`;
}

/**
 * Entity keys' ids, kept (bounded) so that a warm read looks up the same
 * string each time rather than hashing a freshly built one: an entity read
 * would otherwise cost twice a shared one.
 */
const entityIds = new Map<string, Map<string, string>>();
const MAX_ENTITY_IDS = 10_000;
function entityEntryId(name: string, entity: string): string {
  let byName = entityIds.get(entity);
  let id = byName?.get(name);
  if (id === undefined) {
    if (!byName) {
      if (entityIds.size >= MAX_ENTITY_IDS) entityIds.clear();
      byName = new Map();
      entityIds.set(entity, byName);
    }
    id = `${name}\u0000\u0000${entity}`;
    byName.set(name, id);
  }
  return id;
}
