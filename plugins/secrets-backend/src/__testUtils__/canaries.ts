/**
 * The canary sweep: test files plant canary values (values that must never
 * be seen outside a backend plugin's read), and every LogCapture registers
 * what it captured. After all tests of a file have run, src/setupTests.ts
 * searches everything captured for every canary planted.
 */
const planted = new Set<string>();
const captures: Array<() => string> = [];

/** Registers a value that must never appear in a log line or audit event. */
export function plantCanary<T extends string>(value: T): T {
  planted.add(value);
  return value;
}

/** Registers a source of captured output to sweep. */
export function registerCapture(text: () => string): void {
  captures.push(text);
}

/** The canaries found in captured output, with where they were found. */
export function sweepCanaries(): {
  planted: number;
  scanned: number;
  leaks: string[];
} {
  const leaks: string[] = [];
  let scanned = 0;
  for (const capture of captures) {
    const text = capture();
    scanned += text.length;
    for (const canary of planted) {
      const at = text.indexOf(canary);
      if (at >= 0) {
        leaks.push(
          `${canary} in: ${text.slice(Math.max(0, at - 200), at + 50)}`,
        );
      }
    }
  }
  return { planted: planted.size, scanned, leaks };
}
