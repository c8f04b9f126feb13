/*
 * Timing helpers. Every loop is bounded in count and in time.
 */

export interface Stats {
  /** completed operations */
  count: number;
  /** operations per second, from the total elapsed time of the loop(s) */
  opsPerSec: number;
  /** latency percentiles and mean, in microseconds */
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

const now = () => process.hrtime.bigint();

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(
    sorted.length - 1,
    Math.max(0, Math.ceil((p / 100) * sorted.length) - 1),
  );
  return sorted[index];
}

/** Stats of per-operation latencies (µs) measured over `elapsedUs`. */
export function summarize(latenciesUs: number[], elapsedUs: number): Stats {
  const sorted = [...latenciesUs].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    opsPerSec: elapsedUs > 0 ? (sorted.length / elapsedUs) * 1e6 : NaN,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.length ? sum / sorted.length : NaN,
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

/** A sample set that several rounds add to. */
export class Samples {
  latenciesUs: number[] = [];
  elapsedUs = 0;
  /** operations represented (batches count as their size) */
  ops = 0;
  stats(): Stats {
    const s = summarize(this.latenciesUs, this.elapsedUs);
    return {
      ...s,
      count: this.ops,
      opsPerSec: (this.ops / this.elapsedUs) * 1e6,
    };
  }
}

/**
 * Runs `op` sequentially until `maxOps` or `maxMs`, recording each
 * operation's latency into `samples`.
 */
export async function timeSequential(
  samples: Samples,
  op: (i: number) => Promise<unknown>,
  limits: { maxOps: number; maxMs: number },
): Promise<void> {
  const start = now();
  const deadline = start + BigInt(Math.round(limits.maxMs * 1e6));
  let i = 0;
  for (; i < limits.maxOps; i++) {
    const t0 = now();
    await op(i);
    const t1 = now();
    samples.latenciesUs.push(Number(t1 - t0) / 1e3);
    if (t1 > deadline) {
      i++;
      break;
    }
  }
  samples.elapsedUs += Number(now() - start) / 1e3;
  samples.ops += i;
}

/**
 * For operations far below a microsecond: times batches of `batch`
 * operations and records the per-operation mean of each batch as one
 * sample (p50/p99 are then over batch means).
 */
export async function timeBatched(
  samples: Samples,
  op: () => unknown,
  limits: {
    batch: number;
    maxBatches: number;
    maxMs: number;
    isAsync: boolean;
  },
): Promise<void> {
  const start = now();
  const deadline = start + BigInt(Math.round(limits.maxMs * 1e6));
  let batches = 0;
  let sink = 0;
  for (; batches < limits.maxBatches; batches++) {
    const t0 = now();
    if (limits.isAsync) {
      for (let j = 0; j < limits.batch; j++) {
        const v = await op();
        if (v === undefined) sink++;
      }
    } else {
      for (let j = 0; j < limits.batch; j++) {
        const v = op();
        if (v === undefined) sink++;
      }
    }
    const t1 = now();
    samples.latenciesUs.push(Number(t1 - t0) / 1e3 / limits.batch);
    if (t1 > deadline) {
      batches++;
      break;
    }
  }
  samples.elapsedUs += Number(now() - start) / 1e3;
  samples.ops += batches * limits.batch;
  if (sink > 0) {
    throw new Error('a measured read returned undefined');
  }
}

export const sleep = (ms: number) =>
  new Promise<void>(resolve => setTimeout(resolve, ms));

export const hrNowNs = () => now().toString();
