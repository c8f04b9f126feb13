/*
 * One benchmark backend, forked by scripts/bench.mjs (through
 * @backstage/cli-node's nodeTransform) and driven over IPC, one command at a
 * time: createBackend() with real auth (plugin and user JWTs), the real
 * httpRouter, database, permission backend and policy, the secrets plugin, N
 * registered secrets and the consumer plugin of bench/features.ts. Values are
 * stored through the plugin's REST API, as an admin would. Never prints values.
 */
import { createBackend } from '@backstage/backend-defaults';
import * as crypto from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { benchConsumerPlugin, benchDefinitionsModule } from './features';
import { handles, QueryCounter } from './features';
import { interleave, now, Round, sleep, summarize } from './measure';
import { timeBatched, timeSequential, usBetween } from './measure';

const { registered, stored, events } = JSON.parse(
  process.env.SECRETS_BENCH_WORKER!,
);
const nameOf = (i: number) => `BENCH_SECRET_${String(i + 1).padStart(6, '0')}`;
const names: string[] = Array.from({ length: registered }, (_, i) => nameOf(i));
const storedNames = names.slice(0, stored);
/** The sizes of a case, from the plan of scripts/bench.mjs. */
type Args = Record<string, number>;
/** The obvious benchmark value of a name (`bench-value-000123[-rN]`). */
const expected = (name: string, round = 0) =>
  `bench-value-${name.slice(-6)}${round ? `-r${round}` : ''}`;

const backend = createBackend();
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(
  import('@backstage-secrets/plugin-permission-backend-module-secrets-policy'),
);
backend.add(import('@backstage-secrets/plugin-secrets-backend'));
if (events) backend.add(import('@backstage/plugin-events-backend'));
backend.add(benchDefinitionsModule(names));
backend.add(benchConsumerPlugin);

/** A guest (an admin) user token from the auth backend of `base`. */
async function userToken(base: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/guest/refresh`, {
    headers: { 'x-requested-with': 'XMLHttpRequest' },
  });
  const token = res.ok && (await res.json()).backstageIdentity?.token;
  if (!token) throw new Error(`guest sign-in failed: ${res.status}`);
  return token;
}
const tokens = new Map<string, Promise<string>>();
/** A request to the secrets REST API of `base` with a real user token. */
async function api(path: string, init: RequestInit = {}, base?: string) {
  base ??= handles.config.getString('backend.baseUrl');
  if (!tokens.has(base)) tokens.set(base, userToken(base));
  const authorization = `Bearer ${await tokens.get(base)}`;
  const headers = { authorization, 'content-type': 'application/json' };
  const res = await fetch(`${base}/api/secrets${path}`, { ...init, headers });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return text;
}
const put = (name: string, value: string, base?: string) => {
  const body = JSON.stringify({ value });
  return api(`/secrets/${name}`, { method: 'PUT', body }, base);
};
const listSecrets = () => api('/secrets');

/** Stores each name's benchmark value, 8 PUTs at a time. */
async function seedValues(queue: string[]) {
  const next = async () => {
    for (let name = queue.shift(); name; name = queue.shift()) {
      await put(name, expected(name));
    }
  };
  await Promise.all(Array.from({ length: 8 }, next));
}

/** The bare GET of the consumer's trivial route: the HTTP part of floors. */
async function ping() {
  const url = `${await handles.discovery.getBaseUrl('bench-consumer')}/ping`;
  return async () => (await fetch(url)).json();
}
const sequential =
  (maxOps: number, maxMs: number): Round =>
  (samples, op) =>
    timeSequential(samples, op, { maxOps, maxMs });

// The floors' AES-256-GCM, as the plugin's cipher does it, with a KeyObject.
const key = crypto.createSecretKey(crypto.randomBytes(32));
const gcm = { authTagLength: 16 } as const;
const aad = (name: string, version = 1) =>
  Buffer.from(`backstage-secrets:v1:${name}:${version}`);
function encrypt(name: string, value: string, version = 1) {
  const nonce = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce, gcm);
  cipher.setAAD(aad(name, version));
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
}
function decrypt(name: string, base64: string) {
  const e = Buffer.from(base64, 'base64');
  const d = crypto.createDecipheriv('aes-256-gcm', key, e.subarray(0, 12), gcm);
  d.setAAD(aad(name));
  d.setAuthTag(e.subarray(e.length - 16));
  return Buffer.concat([d.update(e.subarray(12, -16)), d.final()]).toString();
}

/**
 * 1. Cold reads through the uncached client vs their floor: a bare GET, a
 * bare knex select of the row by name, one decrypt, each timed separately.
 */
async function coldRead(args: Args) {
  const pick = (i: number) => storedNames[i % args.distinct];
  const get = await ping();
  const envelopes = storedNames
    .slice(0, args.distinct)
    .map(n => encrypt(n, expected(n)));
  const parts = [[], [], []] as number[][]; // GET, select, decrypt
  let [wrong, statements] = [0, 0];
  const coldOp = async (i: number) => {
    const value = await handles.uncachedSecrets.getSecret(pick(i));
    if (value !== expected(pick(i))) wrong++;
  };
  const floorOp = async (i: number) => {
    const name = pick(i);
    const t = [now()];
    await get();
    t.push(now());
    const row = await handles.secretsKnex('secrets').where({ name }).first();
    t.push(now());
    const value = decrypt(name, envelopes[i % args.distinct]);
    t.push(now());
    parts.forEach((part, j) => part.push(usBetween(t[j], t[j + 1])));
    if (!row || value !== expected(name)) wrong++;
  };
  const limits = { maxOps: args.maxOpsPerRound, maxMs: args.roundMs };
  const run = await interleave({
    ...{ op: coldOp, floorOp, rounds: args.rounds },
    warmUp: sequential(200, 2000), // JIT, connections, JWKS fetch
    afterWarmUp: () => parts.forEach(part => (part.length = 0)),
    round: async (samples, op) => {
      const before = handles.queries.total;
      await timeSequential(samples, op, limits);
      if (op === coldOp) statements += handles.queries.total - before;
    },
  });
  if (wrong > 0) throw new Error(`cold read: ${wrong} wrong values`);
  const [floorGetUs, floorSelectUs, floorDecryptUs] = parts.map(
    part => summarize(part).p50,
  );
  // statements on the secrets plugin's database per cold read
  const statementsPerRead = statements / Math.max(1, run.samples.ops);
  return {
    ...{ cold: run.stats, floor: run.floorStats },
    details: {
      ...{ reads: run.samples.ops, statementsPerRead },
      ...{ floorGetUs, floorSelectUs, floorDecryptUs },
    },
  };
}

/** 2. Warm reads on the consumer's service vs a static config read. */
async function warmRead(args: Args) {
  const name = storedNames[0];
  const warmOp = () => handles.secrets.getSecret(name);
  const floorOp = () => handles.config.getOptionalString('bench.staticValue');
  if ((await warmOp()) !== expected(name) || floorOp() === undefined) {
    throw new Error('warm read: unexpected value');
  }
  const batched =
    (maxBatches: number, maxMs: number): Round =>
    (samples, op) =>
      timeBatched(samples, op, {
        ...{ batch: args.batch, maxBatches, maxMs },
        isAsync: op === warmOp,
      });
  const before = handles.queries.secretsSelects;
  const run = await interleave({
    ...{ op: warmOp, floorOp, rounds: args.rounds },
    ...{ warmUp: batched(200, 300), round: batched(100_000, args.roundMs) },
  });
  const backendReadsDuringWarm = handles.queries.secretsSelects - before;
  const details = { warmReads: run.samples.ops, backendReadsDuringWarm };
  return { warm: run.stats, floor: run.floorStats, details };
}

/**
 * 3. Reads of one secret through the default client paced over `windowMs`,
 * then of another through the uncached one; the last-used writes they cause.
 */
async function readsWrites(args: Args) {
  const q = handles.queries;
  // names that no other case reads, so that only these reads are counted
  const [cachedName, uncachedName] = [storedNames[20], storedNames[21]];
  [cachedName, uncachedName].forEach(n => q.lastUsedByName.delete(n));
  const read = async (secrets: typeof handles.secrets, name: string) => {
    if ((await secrets.getSecret(name)) !== expected(name)) {
      throw new Error('unexpected value');
    }
  };
  let [selects, reads, t0] = [q.secretsSelects, 0, Date.now()];
  while (reads < args.reads && Date.now() - t0 < args.windowMs * 3) {
    const elapsed = Date.now() - t0 + 1;
    const target = Math.ceil((elapsed / args.windowMs) * args.reads);
    for (; reads < Math.min(args.reads, target); reads++) {
      await read(handles.secrets, cachedName);
    }
    await sleep(1);
  }
  const cachedElapsedMs = Date.now() - t0;
  const cachedBackendReads = q.secretsSelects - selects;
  let uncachedReads = 0;
  [selects, t0] = [q.secretsSelects, Date.now()];
  const reader = async () => {
    const more = () => Date.now() - t0 < args.uncachedMaxMs;
    while (uncachedReads < args.uncachedReads && more()) {
      uncachedReads++;
      await read(handles.uncachedSecrets, uncachedName);
    }
  };
  await Promise.all(Array.from({ length: args.uncachedConcurrency }, reader));
  const uncachedElapsedMs = Date.now() - t0;
  const uncachedBackendReads = q.secretsSelects - selects;
  await sleep(args.flushIntervalMs + 1500); // a flush after the last read
  const writes = (name: string) => q.lastUsedByName.get(name) ?? 0;
  return {
    flushIntervalMs: args.flushIntervalMs,
    cached: {
      ...{ writes: writes(cachedName), elapsedMs: cachedElapsedMs },
      details: { reads, backendReads: cachedBackendReads },
    },
    uncached: {
      ...{ writes: writes(uncachedName), elapsedMs: uncachedElapsedMs },
      details: { reads: uncachedReads, backendReads: uncachedBackendReads },
    },
  };
}

/**
 * Requests of a manage route (one per round) alternating with their floor;
 * statements on the secrets table counted per request.
 */
async function manageRequests(
  op: (i: number) => Promise<unknown>,
  floorOp: (i: number) => Promise<unknown>,
  args: Args,
  warmUps: number,
) {
  const queries: number[] = [];
  const counted = (i: number) =>
    handles.queries.perRequest(() => op(i)).then(n => queries.push(n));
  const limits = { maxOps: 1, maxMs: args.maxMs };
  const run = await interleave({
    ...{ op: counted, floorOp, rounds: args.maxOps, maxMs: args.maxMs },
    warmUp: sequential(warmUps, 5000),
    afterWarmUp: () => (queries.length = 0),
    round: (samples, f, r) =>
      timeSequential(samples, () => f(r + warmUps), limits),
  });
  const [min, queriesMax] = [Math.min(...queries), Math.max(...queries)];
  const queriesPerRequest = min === queriesMax ? min : `${min}-${queriesMax}`;
  return {
    stats: run.stats,
    floor: run.floorStats,
    queriesMax,
    queriesPerRequest,
  };
}

/**
 * 4. GET /secrets vs its floor: a bare GET, one knex select of the stored
 * rows' metadata columns (every column but the ciphertext), JSON.stringify.
 */
async function list(args: Args) {
  const get = await ping();
  const columns = ['name', 'key_id', 'version', 'created_at', 'created_by']
    .concat(['updated_at', 'updated_by', 'last_used_at', 'last_used_by'])
    .concat(['last_used_on_behalf_of']);
  const q = handles.queries;
  const unexpectedSql = new Set<string>();
  let [bytes, items] = [0, 0];
  const request = async () => {
    const [table, background] = [q.secretsTable, q.background];
    const text = await listSecrets();
    bytes = Buffer.byteLength(text);
    items = JSON.parse(text).items.length;
    const n = q.secretsTable - table;
    if (n - (q.background - background) !== 1) {
      q.recent.slice(-n).forEach(sql => unexpectedSql.add(sql));
    }
  };
  const floor = async () => {
    await get();
    const knex = handles.secretsKnex;
    const rows = await knex('secrets').select(columns).orderBy('name');
    return JSON.stringify({ items: rows }).length;
  };
  const run = await manageRequests(request, floor, args, 3);
  const { queriesPerRequest, ...rest } = run;
  const sql = [...unexpectedSql].slice(0, 5);
  const details = { responseBytes: bytes, items, queriesPerRequest };
  return { ...rest, items, details: { ...details, unexpectedSql: sql } };
}

let setRound = 0;
/**
 * 5. PUT /secrets/:name on stored names vs its floor: a bare GET, a knex
 * select of the row, one encrypt, a knex UPDATE of the row (durable work).
 */
async function set(args: Args) {
  const [get, knex, round] = [await ping(), handles.secretsKnex, ++setRound];
  const pick = (i: number) => storedNames[i % storedNames.length];
  const op = (i: number) =>
    put(pick(i * 7), expected(pick(i * 7), round * 1e5 + i + 1));
  return manageRequests(
    op,
    async i => {
      const name = pick(i * 7 + 3);
      await get();
      const { version } = await knex('secrets').where({ name }).first();
      encrypt(name, expected(name), version);
      const updatedAt = { updated_at: new Date().toISOString() };
      await knex('secrets').where({ name, version }).update(updatedAt);
    },
    args,
    10,
  );
}

/** The event loop's worst delay (ms) while `work` runs. */
async function loopDelayDuring(work: () => Promise<unknown>) {
  const histogram = monitorEventLoopDelay({ resolution: 2 });
  histogram.enable();
  await work();
  histogram.disable();
  return histogram.max / 1e6;
}

/** Polls `done` every `pollMs` for up to `timeoutMs`, then waits 50 ms. */
async function waitFor(done: () => boolean, timeoutMs: number, pollMs = 10) {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(pollMs);
  await sleep(50);
}

/**
 * 3. The cost of one flush after `distinct` different secrets were each
 * read once: how long its last-used writes take, how long the event loop
 * stalls meanwhile, and the same row writes in one transaction.
 */
async function flushCost(args: Args) {
  const [q, knex] = [handles.queries, handles.secretsKnex];
  const readNames = storedNames.slice(-args.distinct);
  // wait for a flush first, so that the next one only carries our reads
  const probe = storedNames[3];
  await handles.uncachedSecrets.getSecret(probe);
  const probed = q.lastUsedByName.get(probe) ?? 0;
  await waitFor(() => q.lastUsedByName.get(probe) !== probed, args.timeoutMs);
  for (const name of readNames) await handles.uncachedSecrets.getSecret(name);
  q.lastUsedFirstNs = q.lastUsedLastEndNs = undefined;
  readNames.forEach(name => q.lastUsedByName.delete(name));
  const written = () => readNames.filter(n => q.lastUsedByName.get(n)).length;
  const loopMaxDelayMs = await loopDelayDuring(() =>
    waitFor(() => written() >= readNames.length, args.timeoutMs, 20),
  );
  const [first, last] = [q.lastUsedFirstNs, q.lastUsedLastEndNs];
  const flushMs = first && last ? usBetween(first, last) / 1e3 : NaN;
  // the same row writes in one transaction, rewriting what the flush wrote
  const rows = await knex('secrets')
    .select('name', 'last_used_at', 'last_used_by')
    .whereIn('name', readNames);
  let ms = 0;
  const transactionDelayMs = await loopDelayDuring(async () => {
    const t0 = now();
    await knex.transaction(async trx => {
      for (const { name, ...values } of rows) {
        await trx('secrets').where({ name }).update(values);
      }
    });
    ms = usBetween(t0) / 1e3;
    await sleep(20);
  });
  return {
    ...{ distinct: readNames.length, flushMs, transactionMs: ms },
    details: {
      ...{ rowsWritten: written(), loopStallMs: loopMaxDelayMs },
      transactionLoopStallMs: transactionDelayMs,
    },
  };
}

/** RSS and heap after full GCs: the sample of least RSS of 5. */
async function settledMemory(gcRounds: number) {
  const gc = (globalThis as { gc?: () => void }).gc!;
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
  return { rss: best.rss, heapUsed: best.heapUsed };
}

/** 7. Memory of a fresh backend (--expose-gc) after reads, then lists. */
async function rss(args: Args) {
  // 100 names, registered or not (without secrets, the reads are refused)
  for (let i = 0; i < 200; i++) {
    await handles.uncachedSecrets.getSecret(nameOf(i % 100)).catch(() => 0);
  }
  const afterReads = await settledMemory(args.gcRounds);
  for (let i = 0; i < 3; i++) await listSecrets();
  return { afterReads, afterLists: await settledMemory(args.gcRounds) };
}

/** Value requests of the consumer's clients, counted at their HTTP call. */
let valueRequests = 0;
const originalFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = typeof input === 'string' ? input : String((input as any).url);
  if (/\/api\/secrets\/secrets\/[^/]+\/value$/.test(url)) valueRequests++;
  return originalFetch(input, init);
};

/** Reads `name` through the consumer's (cached) service every `pollMs`. */
async function pollReads(
  name: string,
  { pollMs, durationMs }: Args,
  until: (value: string | undefined) => boolean,
) {
  const end = Date.now() + durationMs;
  let reads = 0;
  while (Date.now() < end) {
    const value = await handles.secrets.getSecret(name);
    reads++;
    if (until(value)) return { reads, seenAt: now() };
    await sleep(pollMs);
  }
  return { reads, seenAt: undefined };
}

/**
 * 6. On instance B: trials of "PUT a new value on instance A (`aUrl`), poll
 * this instance's cached secretsServiceRef until it returns it", each after
 * a random phase; one warm-up trial first. Delays from the start of the PUT.
 */
async function propagation({ aUrl, ...args }: Args & { aUrl: string }) {
  const name = storedNames[5];
  const [fromStart, fromResponse, puts] = [[], [], []] as number[][];
  const poll = { pollMs: args.pollMs, durationMs: args.timeoutMs };
  for (let trial = -1; trial < args.trials; trial++) {
    const value = expected(name, args.round + trial + 11);
    const seen = pollReads(name, poll, v => v === value);
    await sleep(Math.floor(Math.random() * args.phaseMs));
    const start = now();
    await put(name, value, aUrl);
    const end = now();
    const { seenAt } = await seen;
    if (trial < 0 || !seenAt) continue;
    fromStart.push(usBetween(start, seenAt));
    fromResponse.push(usBetween(end, seenAt));
    puts.push(usBetween(start, end));
  }
  const [s, r] = [summarize(fromStart), summarize(fromResponse)];
  return {
    ...{ trials: args.trials, timeouts: args.trials - fromStart.length },
    ...{ p50: s.p50, max: s.max },
    details: {
      ...{ p50AfterPutUs: r.p50, maxAfterPutUs: r.max },
      slowestPutUs: Math.max(...puts),
      trialsMs: fromStart.map(us => Math.round(us / 1000)),
    },
  };
}

/** 6. A hot secret read in a loop: how many reads reached the backend. */
async function hotReads(args: Args) {
  const before = valueRequests;
  const { reads } = await pollReads(storedNames[7], args, () => false);
  const backendReads = valueRequests - before;
  return { reads, backendReads, durationMs: args.durationMs };
}

handles.commands = {
  ...{ coldRead, warmRead, readsWrites, list, set, flushCost, rss },
  ...{ propagation, hotReads },
  /** stores values for names[from, to) (registered, not stored yet) */
  seedRange: async ({ from, to }) => {
    await seedValues(names.slice(from, to));
    handles.queries = new QueryCounter(); // count from the first case on
  },
};
backend.start();
