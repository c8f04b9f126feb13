/*
 * One benchmark backend: a real Backstage backend (createBackend from
 * @backstage/backend-defaults: real auth with real plugin and user JWTs,
 * real httpRouter, real database, real permission backend and policy) with
 * the secrets plugin, N registered secrets, and a consumer plugin whose
 * `secretsServiceRef` instance the benchmark drives.
 *
 * Started by scripts/bench.mjs with
 *   node --require @backstage/cli-node/config/nodeTransform.cjs bench/worker.ts --config <file>
 * and driven over the IPC channel: one request message, one answer.
 * Never prints values.
 */
import { createBackend } from '@backstage/backend-defaults';
import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  randomBytes,
} from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  benchConsumerPlugin,
  benchDefinitionsModule,
  benchPermissionPolicyModule,
  handles,
} from './features';
import { benchValue, seedValues } from './seed';
import {
  hrNowNs,
  Samples,
  sleep,
  timeBatched,
  timeSequential,
} from './measure';

interface WorkerOptions {
  /** registered secret count */
  registered: number;
  /** how many of them get a stored value (the first ones) */
  stored: number;
  /** seed the stored values after start (skip when the database already has them) */
  seed: boolean;
  baseUrl: string;
  label: string;
  /** install the events backend (the event bus across instances) */
  events?: boolean;
}

const options: WorkerOptions = JSON.parse(
  process.env.SECRETS_BENCH_WORKER ?? '{}',
);

export function secretName(index: number): string {
  return `BENCH_SECRET_${String(index).padStart(6, '0')}`;
}

const names = Array.from({ length: options.registered }, (_, i) =>
  secretName(i + 1),
);
const storedNames = names.slice(0, options.stored);

function send(message: unknown) {
  process.send?.(message);
}

const backend = createBackend();
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(benchPermissionPolicyModule);
backend.add(import('@backstage-secrets/plugin-secrets-backend'));
if (options.events) backend.add(import('@backstage/plugin-events-backend'));
backend.add(
  benchDefinitionsModule(
    names.map(name => ({
      name,
      description: `Benchmark secret ${name}`,
      obtainUrl: 'https://example.com/bench',
      obtainLabel: 'Benchmark',
    })),
  ),
);
backend.add(benchConsumerPlugin);

let userToken: string | undefined;

/** A real user token, from the auth backend's guest provider. */
async function getUserToken(): Promise<string> {
  if (userToken) return userToken;
  const res = await fetch(`${options.baseUrl}/api/auth/guest/refresh`, {
    headers: { 'x-requested-with': 'XMLHttpRequest' },
  });
  if (!res.ok) {
    throw new Error(`guest sign-in failed: ${res.status} ${await res.text()}`);
  }
  const body = (await res.json()) as {
    backstageIdentity?: { token?: string };
  };
  if (!body.backstageIdentity?.token) {
    throw new Error('guest sign-in returned no token');
  }
  userToken = body.backstageIdentity.token;
  return userToken;
}

const secretsUrl = () => `${options.baseUrl}/api/secrets`;

/**
 * The list floor's query: the metadata columns of the plugin's `secrets`
 * table (every column but the ciphertext), selected the way its store does.
 */
const METADATA_COLUMNS = [
  'name',
  'key_id',
  'version',
  'created_at',
  'created_by',
  'updated_at',
  'updated_by',
  'last_used_at',
  'last_used_by',
  'last_used_on_behalf_of',
];

function expectedValue(name: string, round = 0): string {
  return benchValue(Number(name.slice(name.lastIndexOf('_') + 1)), round);
}

// ---------------------------------------------------------------------------
// The floor of a cold read: a bare GET of a trivial route on this backend,
// a bare knex select of the row by name, one AES-256-GCM decrypt of a value
// of the same size with a KeyObject, each timed separately and in sequence.

const floorKey = createSecretKey(randomBytes(32));
function floorCiphertext(name: string): { aad: Buffer; envelope: string } {
  const aad = Buffer.from(`backstage-secrets:v1:${name}:1`);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', floorKey, nonce, {
    authTagLength: 16,
  });
  cipher.setAAD(aad);
  const body = Buffer.concat([
    cipher.update(expectedValue(name), 'utf8'),
    cipher.final(),
  ]);
  return {
    aad,
    envelope: Buffer.concat([nonce, body, cipher.getAuthTag()]).toString(
      'base64',
    ),
  };
}

function floorDecrypt(aad: Buffer, envelopeB64: string): string {
  const envelope = Buffer.from(envelopeB64, 'base64');
  const decipher = createDecipheriv(
    'aes-256-gcm',
    floorKey,
    envelope.subarray(0, 12),
    { authTagLength: 16 },
  );
  decipher.setAAD(aad);
  decipher.setAuthTag(envelope.subarray(envelope.length - 16));
  return Buffer.concat([
    decipher.update(envelope.subarray(12, envelope.length - 16)),
    decipher.final(),
  ]).toString('utf8');
}

async function coldRead(args: {
  rounds: number;
  roundMs: number;
  maxOpsPerRound: number;
  /** how many different secrets the reads cycle through */
  distinct: number;
}) {
  const readNames = storedNames.slice(0, args.distinct);
  const reader = handles.uncachedSecrets!;
  const knex = handles.secretsKnex!;
  const ping = `${await handles.discovery!.getBaseUrl('bench-consumer')}/ping`;
  const floorData = new Map(readNames.map(n => [n, floorCiphertext(n)]));
  let wrong = 0;
  const cold = new Samples();
  const floor = new Samples();
  const parts = {
    http: new Samples(),
    select: new Samples(),
    decrypt: new Samples(),
  };
  const t = () => process.hrtime.bigint();

  const coldOp = async (i: number) => {
    const name = readNames[i % readNames.length];
    const value = await reader.getSecret(name);
    if (value !== expectedValue(name)) wrong++;
  };
  const floorOp = async (i: number) => {
    const name = readNames[i % readNames.length];
    const t0 = t();
    const res = await fetch(ping);
    await res.json();
    const t1 = t();
    const row = await knex('secrets').where({ name }).first();
    const t2 = t();
    const { aad, envelope } = floorData.get(name)!;
    const value = floorDecrypt(aad, envelope);
    const t3 = t();
    if (!row || value !== expectedValue(name)) wrong++;
    parts.http.latenciesUs.push(Number(t1 - t0) / 1e3);
    parts.select.latenciesUs.push(Number(t2 - t1) / 1e3);
    parts.decrypt.latenciesUs.push(Number(t3 - t2) / 1e3);
  };

  // warm-up of both paths (JIT, connections, JWKS fetch)
  const warm = new Samples();
  await timeSequential(warm, coldOp, { maxOps: 200, maxMs: 2000 });
  await timeSequential(warm, floorOp, { maxOps: 200, maxMs: 2000 });
  for (const p of Object.values(parts)) p.latenciesUs = [];
  const windowStartNs = hrNowNs();
  const coldWindows: Array<[string, string]> = [];
  const floorWindows: Array<[string, string]> = [];
  let coldStatements = 0;
  for (let r = 0; r < args.rounds; r++) {
    const w0 = hrNowNs();
    const statementsBefore = handles.queries.total;
    await timeSequential(cold, coldOp, {
      maxOps: args.maxOpsPerRound,
      maxMs: args.roundMs,
    });
    coldStatements += handles.queries.total - statementsBefore;
    const w1 = hrNowNs();
    coldWindows.push([w0, w1]);
    await timeSequential(floor, floorOp, {
      maxOps: args.maxOpsPerRound,
      maxMs: args.roundMs,
    });
    floorWindows.push([w1, hrNowNs()]);
  }
  for (const p of Object.values(parts)) {
    p.ops = p.latenciesUs.length;
    p.elapsedUs = floor.elapsedUs;
  }
  return {
    cold: cold.stats(),
    floor: floor.stats(),
    /** statements on the secrets plugin's database per cold read (all tables) */
    statementsPerRead: coldStatements / Math.max(1, cold.ops),
    floorParts: {
      http: parts.http.stats(),
      select: parts.select.stats(),
      decrypt: parts.decrypt.stats(),
    },
    wrongValues: wrong,
    windowStartNs,
    windowEndNs: hrNowNs(),
    coldWindows,
    floorWindows,
  };
}

async function warmRead(args: {
  rounds: number;
  roundMs: number;
  batch: number;
}) {
  const secrets = handles.secrets!;
  const config = handles.config!;
  const name = storedNames[0];
  const expected = expectedValue(name);
  if ((await secrets.getSecret(name)) !== expected) {
    throw new Error('warm read: unexpected value');
  }
  const staticKey = 'bench.staticValue';
  if (config.getOptionalString(staticKey) === undefined) {
    throw new Error('warm read: the static config value is missing');
  }
  const warmOp = () => secrets.getSecret(name);
  const floorOp = () => config.getOptionalString(staticKey);
  const warm = new Samples();
  const floor = new Samples();
  // warm-up
  await timeBatched(new Samples(), warmOp, {
    batch: args.batch,
    maxBatches: 200,
    maxMs: 300,
    isAsync: true,
  });
  await timeBatched(new Samples(), floorOp, {
    batch: args.batch,
    maxBatches: 200,
    maxMs: 300,
    isAsync: false,
  });
  const valueRequestsBefore = handles.queries.secretsSelects;
  const warmWindows: Array<[string, string]> = [];
  for (let r = 0; r < args.rounds; r++) {
    const w0 = hrNowNs();
    await timeBatched(warm, warmOp, {
      batch: args.batch,
      maxBatches: 100_000,
      maxMs: args.roundMs,
      isAsync: true,
    });
    warmWindows.push([w0, hrNowNs()]);
    await timeBatched(floor, floorOp, {
      batch: args.batch,
      maxBatches: 100_000,
      maxMs: args.roundMs,
      isAsync: false,
    });
  }
  return {
    warm: warm.stats(),
    floor: floor.stats(),
    backendReadsDuringWarm:
      handles.queries.secretsSelects - valueRequestsBefore,
    warmWindows,
  };
}

/** Reads of one secret, paced over `windowMs`; counts the database writes they cause. */
async function readsWrites(args: {
  reads: number;
  windowMs: number;
  uncachedReads: number;
  uncachedMaxMs: number;
  uncachedConcurrency: number;
  flushIntervalMs: number;
}) {
  const q = handles.queries;
  // names that no other case reads, so that only these reads are counted
  const cachedName = storedNames[20];
  const uncachedName = storedNames[21];
  handles.queries.lastUsedByName.delete(cachedName);
  handles.queries.lastUsedByName.delete(uncachedName);
  const start = Date.now();
  const selectsBefore = q.secretsSelects;

  // 1. the realistic consumer: default service (cached), 10,000 reads in one second
  const secrets = handles.secrets!;
  let done = 0;
  const t0 = Date.now();
  while (done < args.reads && Date.now() - t0 < args.windowMs * 3) {
    const target = Math.min(
      args.reads,
      Math.ceil(((Date.now() - t0 + 1) / args.windowMs) * args.reads),
    );
    while (done < target) {
      const v = await secrets.getSecret(cachedName);
      if (v !== expectedValue(cachedName)) throw new Error('unexpected value');
      done++;
    }
    await sleep(1);
  }
  const cachedElapsedMs = Date.now() - t0;
  const cachedBackendReads = q.secretsSelects - selectsBefore;

  // 2. every read reaching the backend: cache disabled
  const reader = handles.uncachedSecrets!;
  const selectsBefore2 = q.secretsSelects;
  let uncachedDone = 0;
  const t1 = Date.now();
  await Promise.all(
    Array.from({ length: args.uncachedConcurrency }, async () => {
      while (
        uncachedDone < args.uncachedReads &&
        Date.now() - t1 < args.uncachedMaxMs
      ) {
        uncachedDone++;
        const v = await reader.getSecret(uncachedName);
        if (v !== expectedValue(uncachedName)) {
          throw new Error('unexpected value');
        }
      }
    }),
  );
  const uncachedElapsedMs = Date.now() - t1;
  const uncachedBackendReads = q.secretsSelects - selectsBefore2;

  // Let at least one flush happen after the last read.
  await sleep(args.flushIntervalMs + 1500);
  const observedMs = Date.now() - start;
  return {
    reads: done,
    cachedElapsedMs,
    cachedBackendReads,
    cachedWrites: q.lastUsedByName.get(cachedName) ?? 0,
    uncachedReads: uncachedDone,
    uncachedElapsedMs,
    uncachedBackendReads,
    uncachedWrites: q.lastUsedByName.get(uncachedName) ?? 0,
    observedMs,
    flushIntervalMs: args.flushIntervalMs,
  };
}

/**
 * GET /secrets, alternating with its floor: a bare GET of the trivial route,
 * one knex select of the stored rows' metadata, JSON.stringify of the rows.
 */
async function list(args: { maxOps: number; maxMs: number }) {
  const token = await getUserToken();
  const q = handles.queries;
  const knex = handles.secretsKnex!;
  const ping = `${await handles.discovery!.getBaseUrl('bench-consumer')}/ping`;
  const queriesPerRequest: number[] = [];
  let bytes = 0;
  let items = 0;
  let floorBytes = 0;
  const unexpectedSql: string[] = [];
  const op = async () => {
    const before = q.secretsTable;
    const backgroundBefore = q.background;
    const res = await fetch(`${secretsUrl()}/secrets`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`list failed: ${res.status} ${text}`);
    const count = q.secretsTable - before - (q.background - backgroundBefore);
    queriesPerRequest.push(count);
    if (count !== 1) {
      unexpectedSql.push(...q.recent.slice(-(q.secretsTable - before)));
    }
    bytes = Buffer.byteLength(text);
    items = (JSON.parse(text) as { items: unknown[] }).items.length;
  };
  const floorOp = async () => {
    const res = await fetch(ping);
    await res.json();
    const rows = await knex('secrets').select(METADATA_COLUMNS).orderBy('name');
    floorBytes = JSON.stringify({ items: rows }).length;
  };
  const warm = new Samples();
  await timeSequential(warm, op, { maxOps: 3, maxMs: 5000 });
  await timeSequential(warm, floorOp, { maxOps: 3, maxMs: 5000 });
  queriesPerRequest.length = 0;
  const samples = new Samples();
  const floor = new Samples();
  const windowStartNs = hrNowNs();
  const windows: Array<[string, string]> = [];
  const deadline = Date.now() + args.maxMs;
  for (let i = 0; i < args.maxOps && Date.now() < deadline; i++) {
    const w0 = hrNowNs();
    await timeSequential(samples, op, { maxOps: 1, maxMs: args.maxMs });
    windows.push([w0, hrNowNs()]);
    await timeSequential(floor, floorOp, { maxOps: 1, maxMs: args.maxMs });
  }
  return {
    stats: samples.stats(),
    floor: floor.stats(),
    bytes,
    floorBytes,
    items,
    unexpectedSql: [...new Set(unexpectedSql)].slice(0, 5),
    queriesMin: Math.min(...queriesPerRequest),
    queriesMax: Math.max(...queriesPerRequest),
    windowStartNs,
    windowEndNs: hrNowNs(),
    windows,
  };
}

async function put(name: string, value: string) {
  const token = await getUserToken();
  const res = await fetch(`${secretsUrl()}/secrets/${name}`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ value }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`PUT failed: ${res.status} ${text}`);
}

let setRound = 0;
/**
 * PUT /secrets/:name on stored names, alternating with its floor: a bare GET
 * of the trivial route, a knex select of the row, one AES-256-GCM encrypt,
 * and a knex UPDATE of that row (a durable write that changes nothing).
 */
async function set(args: { maxOps: number; maxMs: number }) {
  const q = handles.queries;
  const knex = handles.secretsKnex!;
  const ping = `${await handles.discovery!.getBaseUrl('bench-consumer')}/ping`;
  const queriesPerRequest: number[] = [];
  setRound++;
  const round = setRound;
  const op = async (i: number) => {
    const name = storedNames[(i * 7) % storedNames.length];
    const before = q.secretsTable;
    const backgroundBefore = q.background;
    await put(name, expectedValue(name, round * 100_000 + i + 1));
    queriesPerRequest.push(
      q.secretsTable - before - (q.background - backgroundBefore),
    );
  };
  const floorOp = async (i: number) => {
    const name = storedNames[(i * 7 + 3) % storedNames.length];
    const res = await fetch(ping);
    await res.json();
    const row = await knex('secrets').where({ name }).first();
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', floorKey, nonce, {
      authTagLength: 16,
    });
    cipher.setAAD(Buffer.from(`backstage-secrets:v1:${name}:${row.version}`));
    const ciphertext = Buffer.concat([
      nonce,
      cipher.update(expectedValue(name), 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]).toString('base64');
    if (!ciphertext) throw new Error('encrypt failed');
    // a real change of the row (same size), so that the write is durable work
    await knex('secrets')
      .where({ name, version: row.version })
      .update({ updated_at: new Date().toISOString() });
  };
  const warm = new Samples();
  await timeSequential(warm, op, { maxOps: 10, maxMs: 3000 });
  await timeSequential(warm, floorOp, { maxOps: 10, maxMs: 3000 });
  queriesPerRequest.length = 0;
  const samples = new Samples();
  const floor = new Samples();
  const deadline = Date.now() + args.maxMs;
  for (let i = 0; i < args.maxOps && Date.now() < deadline; i++) {
    await timeSequential(samples, () => op(i + 10), {
      maxOps: 1,
      maxMs: args.maxMs,
    });
    await timeSequential(floor, () => floorOp(i + 10), {
      maxOps: 1,
      maxMs: args.maxMs,
    });
  }
  return {
    stats: samples.stats(),
    floor: floor.stats(),
    queriesMin: Math.min(...queriesPerRequest),
    queriesMax: Math.max(...queriesPerRequest),
  };
}

/**
 * The cost of one flush after `distinct` different secrets were each read
 * once: how long the last-used writes take, and how long the event loop
 * stalls meanwhile (better-sqlite3 runs statements synchronously).
 */
async function flushCost(args: { distinct: number; timeoutMs: number }) {
  const reader = handles.uncachedSecrets!;
  const q = handles.queries;
  const readNames = storedNames.slice(-args.distinct);
  // wait for a flush first, so that this one only carries our reads
  await waitForFlushBoundary(args.timeoutMs);
  for (const name of readNames) {
    await reader.getSecret(name);
  }
  q.lastUsedFirstNs = undefined;
  q.lastUsedLastEndNs = undefined;
  const written = () =>
    readNames.reduce((n, name) => n + (q.lastUsedByName.get(name) ? 1 : 0), 0);
  for (const name of readNames) q.lastUsedByName.delete(name);
  const histogram = monitorEventLoopDelay({ resolution: 2 });
  histogram.enable();
  const deadline = Date.now() + args.timeoutMs;
  while (written() < readNames.length && Date.now() < deadline) {
    await sleep(20);
  }
  await sleep(50);
  histogram.disable();
  const flushMs =
    q.lastUsedFirstNs !== undefined && q.lastUsedLastEndNs !== undefined
      ? Number(q.lastUsedLastEndNs - q.lastUsedFirstNs) / 1e6
      : NaN;
  const loopMaxDelayMs = histogram.max / 1e6;

  // The same row writes in one transaction (the change proposed when the
  // flush is slow), on the same database, for comparison. It rewrites the
  // last-used values the flush has just written.
  const knex = handles.secretsKnex!;
  const rows: Array<{
    name: string;
    last_used_at: string;
    last_used_by: string;
  }> = await knex('secrets')
    .select('name', 'last_used_at', 'last_used_by')
    .whereIn('name', readNames);
  const histogram2 = monitorEventLoopDelay({ resolution: 2 });
  histogram2.enable();
  const t0 = process.hrtime.bigint();
  await knex.transaction(async trx => {
    for (const row of rows) {
      const values = {
        last_used_at: row.last_used_at,
        last_used_by: row.last_used_by,
      };
      await trx('secrets').where('name', row.name).update(values);
    }
  });
  const oneTransactionMs = Number(process.hrtime.bigint() - t0) / 1e6;
  await sleep(20);
  histogram2.disable();
  return {
    distinct: readNames.length,
    rowsWritten: written(),
    flushMs,
    loopMaxDelayMs,
    oneTransaction: {
      rows: rows.length,
      ms: oneTransactionMs,
      loopMaxDelayMs: histogram2.max / 1e6,
    },
  };
}

/** Resolves just after the tracker's next flush (seen as last-used UPDATEs). */
async function waitForFlushBoundary(timeoutMs: number) {
  const reader = handles.uncachedSecrets!;
  const probe = storedNames[3];
  await reader.getSecret(probe);
  const q = handles.queries;
  const before = q.lastUsedByName.get(probe) ?? 0;
  const deadline = Date.now() + timeoutMs;
  while (
    (q.lastUsedByName.get(probe) ?? 0) === before &&
    Date.now() < deadline
  ) {
    await sleep(10);
  }
  await sleep(50);
}

/** RSS after full GCs: the smallest of several samples (RSS moves with the allocator and V8's lazy uncommitting). */
async function settledMemory(gcRounds: number) {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < gcRounds; i++) {
    gc();
    await sleep(250);
  }
  let best = process.memoryUsage();
  for (let i = 0; i < 5; i++) {
    gc();
    await sleep(200);
    const m = process.memoryUsage();
    if (m.rss < best.rss) best = m;
  }
  return {
    rss: best.rss,
    heapTotal: best.heapTotal,
    heapUsed: best.heapUsed,
    external: best.external,
  };
}

/**
 * Memory of a fresh backend: after a warm-up of reads (what a backend does
 * all day), then again after it has also served three lists.
 */
async function rss(args: { gcRounds: number }) {
  const readNames = storedNames.length
    ? storedNames.slice(0, 100)
    : Array.from({ length: 100 }, (_, i) => secretName(i + 1));
  for (let round = 0; round < 2; round++) {
    for (const name of readNames) {
      await handles.uncachedSecrets!.getSecret(name).catch(() => undefined);
    }
  }
  const afterReads = await settledMemory(args.gcRounds);
  const token = await getUserToken();
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${secretsUrl()}/secrets`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await res.text();
  }
  const afterLists = await settledMemory(args.gcRounds);
  return { afterReads, afterLists };
}

// Propagation: a consumer that keeps reading one secret through its
// (cached) service; the benchmark tells it which value to wait for.
let watch:
  | {
      promise: Promise<{ seenAtNs?: string; polls: number }>;
      ready: Promise<void>;
    }
  | undefined;

function startWatch(args: {
  name: string;
  value: string;
  timeoutMs: number;
  pollMs: number;
}) {
  const secrets = handles.secrets!;
  let markReady: () => void = () => {};
  const ready = new Promise<void>(resolve => {
    markReady = resolve;
  });
  const promise = (async () => {
    const deadline = Date.now() + args.timeoutMs;
    let polls = 0;
    while (Date.now() < deadline) {
      const v = await secrets.getSecret(args.name);
      polls++;
      if (polls === 1) markReady();
      if (v === args.value) {
        return { seenAtNs: hrNowNs(), polls };
      }
      await sleep(args.pollMs);
    }
    markReady();
    return { polls };
  })();
  watch = { promise, ready };
  return ready.then(() => ({ started: true }));
}

/**
 * Value requests the consumer's client sends to the secrets backend,
 * counted at the client's own HTTP call (global fetch), by path.
 */
let valueRequests = 0;
const originalFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url =
    typeof input === 'string' ? input : String((input as any).url ?? input);
  if (/\/api\/secrets\/secrets\/[^/]+\/value$/.test(url)) valueRequests++;
  return originalFetch(input, init);
};

/**
 * Steady state of a hot secret: the consumer reads it in a loop for
 * `durationMs`; how many of those reads reached the backend.
 */
async function hotReads(args: {
  name: string;
  durationMs: number;
  pollMs: number;
}) {
  const secrets = handles.secrets!;
  const before = valueRequests;
  const end = Date.now() + args.durationMs;
  let reads = 0;
  while (Date.now() < end) {
    await secrets.getSecret(args.name);
    reads++;
    await sleep(args.pollMs);
  }
  return {
    reads,
    backendReads: valueRequests - before,
    durationMs: args.durationMs,
  };
}

async function timedPut(args: { name: string; value: string }) {
  const startNs = hrNowNs();
  await put(args.name, args.value);
  return { startNs, endNs: hrNowNs() };
}

const commands: Record<string, (args: any) => Promise<unknown>> = {
  coldRead,
  warmRead,
  readsWrites,
  list,
  set,
  flushCost,
  rss,
  startWatch,
  hotReads,
  watchResult: async () => {
    if (!watch) throw new Error('no watch');
    return watch.promise;
  },
  timedPut,
  /** stores values for names[from, to) (registered, not stored yet) */
  seedRange: async (args: { from: number; to: number }) => {
    await seedValues({ names: names.slice(args.from, args.to), put });
    return { stored: args.to - args.from };
  },
  storedName: async (args: { index: number }) => ({
    name: storedNames[args.index],
  }),
  expected: async (args: { name: string; round: number }) => ({
    value: expectedValue(args.name, args.round),
  }),
  stop: async () => {
    setTimeout(async () => {
      try {
        await backend.stop();
      } finally {
        process.exit(0);
      }
    }, 10);
    return { stopping: true };
  },
};

process.on('message', async (message: any) => {
  if (!message || typeof message.id !== 'number') return;
  const fn = commands[message.cmd];
  try {
    if (!fn) throw new Error(`unknown command ${message.cmd}`);
    const result = await fn(message.args ?? {});
    send({ id: message.id, ok: true, result });
  } catch (error) {
    send({
      id: message.id,
      ok: false,
      error: String((error as Error)?.stack ?? error),
    });
  }
});

process.on('disconnect', () => {
  // The benchmark is gone: do not linger.
  process.exit(1);
});

async function main() {
  const t0 = Date.now();
  await backend.start();
  const startupMs = Date.now() - t0;
  if (options.seed && storedNames.length > 0) {
    await seedValues({ names: storedNames, put });
  }
  handles.queries.reset();
  send({ type: 'ready', startupMs, pid: process.pid });
}

main().catch(error => {
  send({ type: 'failed', error: String(error?.stack ?? error) });
  process.exit(1);
});
