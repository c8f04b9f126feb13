/**
 * Fakes only `Date`: the client reads the time with `Date.now()`, while the
 * HTTP stack of the stand-in backend needs the real timers and ticks. Move
 * the clock with `jest.advanceTimersByTime(ms)`; undo with
 * `jest.useRealTimers()`.
 */
export function useFakeClock(): void {
  jest.useFakeTimers({
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
}
