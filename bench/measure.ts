/*
 * The benchmark's one measuring library: clocks, bounded timing loops,
 * interleaved case/floor rounds, percentiles and stats. Used by the
 * backends (bench/worker.ts) and by the driver (scripts/bench.mjs, which
 * imports it with Node's type stripping). Every loop is bounded in count
 * and in time. Durations are in microseconds unless named otherwise.
 */

export interface Stats {
  /** completed operations (batches count as their size) */
  count: number;
  /** operations per second, from the total elapsed time of the loop(s) */
  opsPerSec: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

export type Window = [string, string];

export const now = () => process.hrtime.bigint();
export const hrNowNs = () => now().toString();
/** Microseconds from hrtime `a` (ns) to `b` (ns, default now). */
export const usBetween = (a: bigint | string, b: bigint | string = now()) =>
  Number(BigInt(b) - BigInt(a)) / 1e3;
export const sleep = (ms: number) =>
  new Promise<void>(resolve => setTimeout(resolve, ms));

/** The q-quantile (0..1) of ascending values: the nearest-rank method. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  ];
}

/** Stats of values measured over `elapsedUs` (`count` operations). */
export function summarize(
  values: number[],
  elapsedUs = NaN,
  count = values.length,
): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count,
    opsPerSec: elapsedUs > 0 ? (count / elapsedUs) * 1e6 : NaN,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

/** Median, minimum and maximum (of a handful of process-level samples). */
export function spread(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: percentile(sorted, 0.5),
    min: sorted[0],
    max: sorted[sorted.length - 1],
  };
}

/** A sample set that several rounds add to. */
export class Samples {
  latenciesUs: number[] = [];
  elapsedUs = 0;
  ops = 0;
  stats(): Stats {
    return summarize(this.latenciesUs, this.elapsedUs, this.ops);
  }
}

/** Runs `op` sequentially until `maxOps` or `maxMs`, one sample per op. */
export async function timeSequential(
  samples: Samples,
  op: (i: number) => unknown,
  limits: { maxOps: number; maxMs: number },
): Promise<void> {
  const start = now();
  const deadline = start + BigInt(Math.round(limits.maxMs * 1e6));
  let i = 0;
  while (i < limits.maxOps) {
    const t0 = now();
    await op(i++);
    const t1 = now();
    samples.latenciesUs.push(usBetween(t0, t1));
    if (t1 > deadline) break;
  }
  samples.elapsedUs += usBetween(start);
  samples.ops += i;
}

/**
 * For operations far below a microsecond: one sample per batch of `batch`
 * operations, its per-operation mean (p50/p99 are over batch means).
 */
export async function timeBatched(
  samples: Samples,
  op: (i: number) => unknown,
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
  let missing = 0;
  while (batches < limits.maxBatches) {
    const t0 = now();
    for (let j = 0; j < limits.batch; j++) {
      const v = limits.isAsync ? await op(j) : op(j);
      if (v === undefined) missing++;
    }
    const t1 = now();
    batches++;
    samples.latenciesUs.push(usBetween(t0, t1) / limits.batch);
    if (t1 > deadline) break;
  }
  samples.elapsedUs += usBetween(start);
  samples.ops += batches * limits.batch;
  if (missing > 0) throw new Error('a measured read returned undefined');
}

/** One round of a case or its floor: times `op` into `samples`. */
export type Round = (
  samples: Samples,
  op: (i: number) => unknown,
  round: number,
) => Promise<void>;

/**
 * A case and its floor in interleaved rounds (case, floor, case, …) after
 * one warm-up round of each, so that both see the same machine load.
 * Returns both sample sets and the hrtime windows of their rounds (for
 * the CPU profiles).
 */
export async function interleave(opts: {
  op: (i: number) => unknown;
  floorOp: (i: number) => unknown;
  rounds: number;
  round: Round;
  warmUp: Round;
  /** stop starting rounds after this long */
  maxMs?: number;
  afterWarmUp?: () => void;
}) {
  await opts.warmUp(new Samples(), opts.op, -1);
  await opts.warmUp(new Samples(), opts.floorOp, -1);
  opts.afterWarmUp?.();
  const run = { samples: new Samples(), floor: new Samples() };
  const windows: Window[] = [];
  const floorWindows: Window[] = [];
  const deadline = Date.now() + (opts.maxMs ?? Infinity);
  for (let r = 0; r < opts.rounds && Date.now() < deadline; r++) {
    const w0 = hrNowNs();
    await opts.round(run.samples, opts.op, r);
    const w1 = hrNowNs();
    await opts.round(run.floor, opts.floorOp, r);
    windows.push([w0, w1]);
    floorWindows.push([w1, hrNowNs()]);
  }
  return {
    ...run,
    stats: run.samples.stats(),
    floorStats: run.floor.stats(),
    windows,
    floorWindows,
  };
}
