/*
 * The benchmark's measuring loops (used by bench/worker.ts), bounded in
 * count and in time, and their stats. Durations are in microseconds.
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
// Runs `op` until `maxOps` operations or `maxMs`. One sample per operation,
// or, with `batch` (for operations far below a microsecond), per batch: its
// mean per operation. Only an `isAsync` op is awaited.
export async function timeLoop(
  samples: Samples,
  op: Op,
  limits: { maxOps: number; maxMs: number; batch?: number; isAsync?: boolean },
) {
  const { maxOps, batch = 1, isAsync = true } = limits;
  const start = now();
  const deadline = start + BigInt(Math.round(limits.maxMs * 1e6));
  let i = 0;
  while (i < maxOps) {
    const t0 = now();
    for (const end = i + batch; i < end; i++) {
      const value = isAsync ? await op(i) : op(i);
      if (value === undefined && batch > 1) throw new Error('no value read');
    }
    const t1 = now();
    samples.latenciesUs.push(usBetween(t0, t1) / batch);
    if (t1 > deadline) break;
  }
  samples.elapsedUs += usBetween(start);
  samples.ops += i;
}
// A case and its floor in interleaved rounds (case, floor, case, …) after
// one warm-up round of each, so that both see the same machine load.
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
