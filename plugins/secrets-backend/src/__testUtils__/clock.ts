/**
 * Fakes the clocks (Date, performance, hrtime) and nothing else: timers,
 * I/O and microtasks run as usual, so real backends and databases keep
 * working, but time passes only when the test advances it
 * (jest.advanceTimersByTime). For rules stated in time ("a value is reused
 * for at most 500 ms") without sleeping, and without depending on how fast
 * the machine is. Undo with jest.useRealTimers().
 */
export function useFakeClock(): void {
  jest.useFakeTimers({
    doNotFake: [
      'setTimeout',
      'clearTimeout',
      'setInterval',
      'clearInterval',
      'setImmediate',
      'clearImmediate',
      'nextTick',
      'queueMicrotask',
    ],
    now: Date.now(),
  });
}
