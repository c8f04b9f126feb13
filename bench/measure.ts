/*
 * The benchmark's measuring library (used by bench/worker.ts): clocks,
 * bounded timing loops, interleaved case/floor rounds and their stats. Every
 * loop is bounded in count and in time. Durations are in microseconds.
 */
type Op = (i: number) => unknown;
/** One round of a case or its floor: times `op` into `samples`. */
export type Round = (samples: Samples, op: Op, round: number) => Promise<void>;

export const now = () => process.hrtime.bigint();
/** Microseconds from hrtime `a` (ns) to `b` (ns, default now). */
export const usBetween = (a: bigint, b = now()) => Number(b - a) / 1e3;
export const sleep = (ms: number) =>
  new Promise<void>(resolve => setTimeout(resolve, ms));

/** Count, ops/s (over `elapsedUs`), p50, p99 (nearest rank) and max. */
export function summarize(values: number[], elapsedUs = NaN, count?: number) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.ceil(q * sorted.length) - 1];
  const n = count ?? values.length;
  const opsPerSec = elapsedUs > 0 ? (n / elapsedUs) * 1e6 : NaN;
  return { count: n, opsPerSec, p50: at(0.5), p99: at(0.99), max: at(1) };
}

/** Latencies that several rounds add to. */
export class Samples {
  latenciesUs: number[] = [];
  elapsedUs = 0;
  ops = 0;
  stats = () => summarize(this.latenciesUs, this.elapsedUs, this.ops);
}

/** Runs `op` sequentially until `maxOps` or `maxMs`, one sample per op. */
export async function timeSequential(
  samples: Samples,
  op: Op,
  limits: { maxOps: number; maxMs: number },
) {
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
  op: Op,
  limits: {
    batch: number;
    maxBatches: number;
    maxMs: number;
    isAsync: boolean;
  },
) {
  const start = now();
  const deadline = start + BigInt(Math.round(limits.maxMs * 1e6));
  let [batches, missing] = [0, 0];
  while (batches++ < limits.maxBatches) {
    const t0 = now();
    for (let j = 0; j < limits.batch; j++) {
      const v = limits.isAsync ? await op(j) : op(j);
      if (v === undefined) missing++;
    }
    const t1 = now();
    samples.latenciesUs.push(usBetween(t0, t1) / limits.batch);
    samples.ops += limits.batch;
    if (t1 > deadline) break;
  }
  samples.elapsedUs += usBetween(start);
  if (missing > 0) throw new Error('a measured read returned undefined');
}

/**
 * A case and its floor in interleaved rounds (case, floor, case, …) after
 * one warm-up round of each, so that both see the same machine load.
 */
export async function interleave(o: {
  op: Op;
  floorOp: Op;
  rounds: number;
  round: Round;
  warmUp: Round;
  /** stop starting rounds after this long */
  maxMs?: number;
  afterWarmUp?: () => void;
}) {
  await o.warmUp(new Samples(), o.op, -1);
  await o.warmUp(new Samples(), o.floorOp, -1);
  o.afterWarmUp?.();
  const [samples, floor] = [new Samples(), new Samples()];
  const deadline = Date.now() + (o.maxMs ?? Infinity);
  for (let r = 0; r < o.rounds && Date.now() < deadline; r++) {
    await o.round(samples, o.op, r);
    await o.round(floor, o.floorOp, r);
  }
  return { samples, stats: samples.stats(), floorStats: floor.stats() };
}
