import { ConflictError } from '@backstage/errors';
import {
  COMPARE_AND_SET_ATTEMPTS,
  type CompareAndSetAttempt,
  retryCompareAndSet,
} from './compareAndSet';

/*
 * The retry loop alone, with attempts that win or lose on cue; the stores'
 * compare-and-set itself is tested on real databases (DatabaseSecretsStore
 * and the concurrency cases of resilience.test.ts).
 */

describe('retryCompareAndSet', () => {
  beforeEach(() => {
    // The waits between retries are real timers; fake ones let a test
    // count them without waiting.
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  /** An attempt that loses `losses` times, then wins with 'written'. */
  function losingThenWinning(losses: number) {
    const attempt = jest.fn(
      async (): Promise<CompareAndSetAttempt<string>> =>
        attempt.mock.calls.length > losses ? { won: 'written' } : 'lost',
    );
    return attempt;
  }

  const exhausted = () => new ConflictError('being changed by others');

  it('returns the first attempt that wins, without waiting', async () => {
    const attempt = losingThenWinning(0);
    await expect(retryCompareAndSet({ attempt, exhausted })).resolves.toBe(
      'written',
    );
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('retries lost attempts after a short random wait of at most 100 ms', async () => {
    // The longest wait the jitter can draw: 2, 4, 8... ms, then 100 ms.
    jest.spyOn(Math, 'random').mockReturnValue(0.999);
    const attempt = losingThenWinning(9);
    const result = retryCompareAndSet({ attempt, exhausted });
    for (let retry = 1; retry <= 9; retry++) {
      // Each retry waits on a timer: no attempt runs before it fires...
      await jest.advanceTimersByTimeAsync(0);
      expect(attempt).toHaveBeenCalledTimes(retry);
      // ...and it fires within its ceiling, which never exceeds 100 ms.
      await jest.advanceTimersByTimeAsync(Math.min(100, 2 ** retry));
    }
    await expect(result).resolves.toBe('written');
    expect(attempt).toHaveBeenCalledTimes(10);
  });

  it(`gives up after ${COMPARE_AND_SET_ATTEMPTS} lost attempts with the caller's error`, async () => {
    const attempt = losingThenWinning(Infinity);
    const result = retryCompareAndSet({ attempt, exhausted });
    // Awaited below, once the waits are over; not unhandled meanwhile.
    result.catch(() => {});
    await jest.runAllTimersAsync();
    await expect(result).rejects.toThrow('being changed by others');
    expect(attempt).toHaveBeenCalledTimes(COMPARE_AND_SET_ATTEMPTS);
  });

  it('does not retry an attempt that throws (a conflict with the expected version)', async () => {
    const attempt = jest.fn(async (): Promise<CompareAndSetAttempt<string>> => {
      throw new ConflictError('you expected version 1');
    });
    await expect(retryCompareAndSet({ attempt, exhausted })).rejects.toThrow(
      'you expected version 1',
    );
    expect(attempt).toHaveBeenCalledTimes(1);
  });
});
