/**
 * What one attempt of a compare-and-set write came to: it won (with its
 * result), or another writer changed the row between its read and its
 * write, and it is worth trying again.
 */
export type CompareAndSetAttempt<T> = { won: T } | 'lost';

/** Attempts of an unconditional write before it gives up. */
export const COMPARE_AND_SET_ATTEMPTS = 20;

/**
 * A short random wait before retrying a lost compare-and-set: writers that
 * lost to each other then retry at different moments instead of colliding
 * again (full jitter, at most ~100 ms).
 */
function backOff(attempt: number): Promise<void> {
  const ceilingMs = Math.min(100, 2 ** attempt);
  return new Promise(resolve => setTimeout(resolve, Math.random() * ceilingMs));
}

/**
 * The one retry loop of the stores' optimistic concurrency, for shared and
 * users' values alike: runs `attempt` (read the current version, write the
 * next one if it is still current) until it wins, waiting a little before
 * each retry. An attempt throws to stop at once, e.g. when the caller asked
 * for a specific version and another writer got there first: that is a
 * conflict to report, not a race to retry. After
 * {@link COMPARE_AND_SET_ATTEMPTS} lost attempts, throws `exhausted()`.
 */
export async function retryCompareAndSet<T>(options: {
  attempt: () => Promise<CompareAndSetAttempt<T>>;
  exhausted: () => Error;
}): Promise<T> {
  for (let attempt = 0; attempt < COMPARE_AND_SET_ATTEMPTS; attempt++) {
    if (attempt > 0) await backOff(attempt);
    const outcome = await options.attempt();
    if (outcome !== 'lost') return outcome.won;
  }
  throw options.exhausted();
}
