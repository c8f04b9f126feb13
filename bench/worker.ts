/*
 * One benchmark backend: a real Backstage backend (createBackend from
 * @backstage/backend-defaults: real auth with real plugin and user JWTs,
 * real httpRouter, real database, real permission backend and policy) with
 * the secrets plugin, N registered secrets, and a consumer plugin whose
 * `secretsServiceRef` instance the benchmark drives.
 *
 * Started by bench/lib/workers.mjs with
 *   node --require @backstage/cli-node/config/nodeTransform.cjs bench/worker.ts --config <file>
 * and driven over the IPC channel: one request message, one answer.
 * Values are stored through the plugin's REST API, as an admin would.
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
  handles,
  QueryCounter,
} from './features';
import {
  hrNowNs,
  interleave,
  Round,
  sleep,
  summarize,
  timeBatched,
  timeSequential,
  usBetween,
} from './measure';

const options: {
  registered: number;
  /** how many of them get a stored value (the first ones) */
  stored: number;
  /** seed the stored values after start (not when the database has them) */
  seed: boolean;
  baseUrl: string;
  /** install the events backend (the event bus across instances) */
  events?: boolean;
} = JSON.parse(process.env.SECRETS_BENCH_WORKER ?? '{}');

const secretName = (i: number) => `BENCH_SECRET_${String(i).padStart(6, '0')}`;
const names = Array.from({ length: options.registered }, (_, i) =>
  secretName(i + 1),
);
const storedNames = names.slice(0, options.stored);

/** The obvious benchmark value of a name (`bench-value-000123[-rN]`). */
function expectedValue(name: string, round = 0): string {
  const n = name.slice(name.lastIndexOf('_') + 1);
  return round === 0 ? `bench-value-${n}` : `bench-value-${n}-r${round}`;
}

const backend = createBackend();
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(
  import('@backstage-secrets/plugin-permission-backend-module-secrets-policy'),
);
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

/** A request to the secrets REST API with a real user token (guest provider). */
async function api(path: string, init: RequestInit = {}): Promise<string> {
  if (!userToken) {
    const res = await fetch(`${options.baseUrl}/api/auth/guest/refresh`, {
      headers: { 'x-requested-with': 'XMLHttpRequest' },
    });
    if (!res.ok) throw new Error(`guest sign-in failed: ${res.status}`);
    const body = (await res.json()) as {
      backstageIdentity?: { token?: string };
    };
    userToken = body.backstageIdentity?.token;
    if (!userToken) throw new Error('guest sign-in returned no token');
  }
  const res = await fetch(`${options.baseUrl}/api/secrets${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${userToken}`,
      'content-type': 'application/json',
    },
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return text;
}

const put = (name: string, value: string) =>
  api(`/secrets/${name}`, { method: 'PUT', body: JSON.stringify({ value }) });
const listSecrets = () => api('/secrets');

/** Stores each name's benchmark value, 8 PUTs at a time. */
async function seedValues(queue: string[]) {
  const next = async () => {
    for (let name = queue.shift(); name; name = queue.shift()) {
      await put(name, expectedValue(name));
    }
  };
  await Promise.all(Array.from({ length: 8 }, next));
}

/** The bare GET of the consumer's trivial route: the HTTP part of floors. */
async function ping() {
  const url = `${await handles.discovery.getBaseUrl('bench-consumer')}/ping`;
  return async () => (await fetch(url)).json();
}

/** Sequential rounds of at most `maxOps` ops in `maxMs`. */
const sequential =
  (maxOps: number, maxMs: number): Round =>
  (samples, op) =>
    timeSequential(samples, op, { maxOps, maxMs });

// The floors' AES-256-GCM, as the plugin's cipher does it, with a KeyObject.
const floorKey = createSecretKey(randomBytes(32));
const aad = (name: string, version = 1) =>
  Buffer.from(`backstage-secrets:v1:${name}:${version}`);
function encrypt(name: string, value: string, version = 1): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', floorKey, nonce, {
    authTagLength: 16,
  });
  cipher.setAAD(aad(name, version));
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}
function decrypt(name: string, envelopeB64: string): string {
  const envelope = Buffer.from(envelopeB64, 'base64');
  const decipher = createDecipheriv(
    'aes-256-gcm',
    floorKey,
    envelope.subarray(0, 12),
    { authTagLength: 16 },
  );
  decipher.setAAD(aad(name));
  decipher.setAuthTag(envelope.subarray(envelope.length - 16));
  return Buffer.concat([
    decipher.update(envelope.subarray(12, envelope.length - 16)),
    decipher.final(),
  ]).toString('utf8');
}

/**
 * 1. Cold reads through the uncached client vs their floor: a bare GET, a
 * bare knex select of the row by name, one decrypt, each timed separately.
 */
async function coldRead(args: {
  rounds: number;
  roundMs: number;
  maxOpsPerRound: number;
  distinct: number;
}) {
  const readNames = storedNames.slice(0, args.distinct);
  const knex = handles.secretsKnex;
  const get = await ping();
  const envelopes = new Map(
    readNames.map(n => [n, encrypt(n, expectedValue(n)).toString('base64')]),
  );
  const parts = {
    http: [] as number[],
    select: [] as number[],
    decrypt: [] as number[],
  };
  let wrong = 0;
  let statements = 0;
  const coldOp = async (i: number) => {
    const name = readNames[i % readNames.length];
    const value = await handles.uncachedSecrets.getSecret(name);
    if (value !== expectedValue(name)) wrong++;
  };
  const run = await interleave({
    op: coldOp,
    floorOp: async i => {
      const name = readNames[i % readNames.length];
      const t0 = hrNowNs();
      await get();
      const t1 = hrNowNs();
      const row = await knex('secrets').where({ name }).first();
      const t2 = hrNowNs();
      const value = decrypt(name, envelopes.get(name)!);
      parts.http.push(usBetween(t0, t1));
      parts.select.push(usBetween(t1, t2));
      parts.decrypt.push(usBetween(t2));
      if (!row || value !== expectedValue(name)) wrong++;
    },
    rounds: args.rounds,
    warmUp: sequential(200, 2000), // JIT, connections, JWKS fetch
    afterWarmUp: () => Object.values(parts).forEach(p => (p.length = 0)),
    round: async (samples, op) => {
      const before = handles.queries.total;
      await timeSequential(samples, op, {
        maxOps: args.maxOpsPerRound,
        maxMs: args.roundMs,
      });
      if (op === coldOp) statements += handles.queries.total - before;
    },
  });
  return {
    cold: run.stats,
    floor: run.floorStats,
    /** statements on the secrets plugin's database per cold read */
    statementsPerRead: statements / Math.max(1, run.samples.ops),
    floorParts: {
      http: summarize(parts.http),
      select: summarize(parts.select),
      decrypt: summarize(parts.decrypt),
    },
    wrongValues: wrong,
    coldWindows: run.windows,
    floorWindows: run.floorWindows,
  };
}

/** 2. Warm reads on the consumer's service vs a static config read. */
async function warmRead(args: {
  rounds: number;
  roundMs: number;
  batch: number;
}) {
  const name = storedNames[0];
  if ((await handles.secrets.getSecret(name)) !== expectedValue(name)) {
    throw new Error('warm read: unexpected value');
  }
  if (handles.config.getOptionalString('bench.staticValue') === undefined) {
    throw new Error('warm read: the static config value is missing');
  }
  const warmOp = () => handles.secrets.getSecret(name);
  const batched =
    (maxBatches: number, maxMs: number): Round =>
    (samples, op) =>
      timeBatched(samples, op, {
        batch: args.batch,
        maxBatches,
        maxMs,
        isAsync: op === warmOp,
      });
  const selectsBefore = handles.queries.secretsSelects;
  const run = await interleave({
    op: warmOp,
    floorOp: () => handles.config.getOptionalString('bench.staticValue'),
    rounds: args.rounds,
    warmUp: batched(200, 300),
    round: batched(100_000, args.roundMs),
  });
  return {
    warm: run.stats,
    floor: run.floorStats,
    backendReadsDuringWarm: handles.queries.secretsSelects - selectsBefore,
    warmWindows: run.windows,
  };
}

/** 3. Reads of one secret paced over `windowMs`; the writes they cause. */
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
  const [cachedName, uncachedName] = [storedNames[20], storedNames[21]];
  q.lastUsedByName.delete(cachedName);
  q.lastUsedByName.delete(uncachedName);
  const read = async (secrets: typeof handles.secrets, name: string) => {
    if ((await secrets.getSecret(name)) !== expectedValue(name)) {
      throw new Error('unexpected value');
    }
  };
  // the realistic consumer: the default (cached) service, paced
  let selects = q.secretsSelects;
  let reads = 0;
  const t0 = Date.now();
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
  // every read reaching the backend: the cache off
  selects = q.secretsSelects;
  let uncachedReads = 0;
  const t1 = Date.now();
  const reader = async () => {
    while (
      uncachedReads < args.uncachedReads &&
      Date.now() - t1 < args.uncachedMaxMs
    ) {
      uncachedReads++;
      await read(handles.uncachedSecrets, uncachedName);
    }
  };
  await Promise.all(Array.from({ length: args.uncachedConcurrency }, reader));
  const uncachedElapsedMs = Date.now() - t1;
  const uncachedBackendReads = q.secretsSelects - selects;
  // let at least one flush happen after the last read
  await sleep(args.flushIntervalMs + 1500);
  return {
    reads,
    cachedElapsedMs,
    cachedBackendReads,
    cachedWrites: q.lastUsedByName.get(cachedName) ?? 0,
    uncachedReads,
    uncachedElapsedMs,
    uncachedBackendReads,
    uncachedWrites: q.lastUsedByName.get(uncachedName) ?? 0,
    flushIntervalMs: args.flushIntervalMs,
  };
}

/**
 * Requests of a manage route (one per round) alternating with their floor;
 * statements on the secrets table counted per request.
 */
async function manageRequests(
  op: (i: number) => Promise<unknown>,
  floorOp: (i: number) => Promise<unknown>,
  args: { maxOps: number; maxMs: number },
  warmUps: number,
) {
  const queries: number[] = [];
  const counted = (i: number) =>
    handles.queries.perRequest(() => op(i)).then(n => queries.push(n));
  const run = await interleave({
    op: counted,
    floorOp,
    rounds: args.maxOps,
    maxMs: args.maxMs,
    warmUp: sequential(warmUps, 5000),
    afterWarmUp: () => (queries.length = 0),
    round: (samples, f, r) =>
      timeSequential(samples, () => f(r + warmUps), {
        maxOps: 1,
        maxMs: args.maxMs,
      }),
  });
  const { stats, floorStats: floor, windows } = run;
  const [queriesMin, queriesMax] = [Math.min(...queries), Math.max(...queries)];
  return { stats, floor, windows, queriesMin, queriesMax };
}

/**
 * 4. GET /secrets vs its floor: a bare GET, one knex select of the stored
 * rows' metadata columns (every column but the ciphertext), JSON.stringify.
 */
async function list(args: { maxOps: number; maxMs: number }) {
  const get = await ping();
  const columns = ['name', 'key_id', 'version', 'created_at', 'created_by']
    .concat(['updated_at', 'updated_by', 'last_used_at', 'last_used_by'])
    .concat(['last_used_on_behalf_of']);
  const q = handles.queries;
  const unexpectedSql = new Set<string>();
  let [bytes, items] = [0, 0];
  const run = await manageRequests(
    async () => {
      const [table, background] = [q.secretsTable, q.background];
      const text = await listSecrets();
      bytes = Buffer.byteLength(text);
      items = (JSON.parse(text) as { items: unknown[] }).items.length;
      const n = q.secretsTable - table;
      if (n - (q.background - background) !== 1) {
        q.recent.slice(-n).forEach(sql => unexpectedSql.add(sql));
      }
    },
    async () => {
      await get();
      const rows = await handles
        .secretsKnex('secrets')
        .select(columns)
        .orderBy('name');
      return JSON.stringify({ items: rows }).length;
    },
    args,
    3,
  );
  return {
    ...run,
    bytes,
    items,
    unexpectedSql: [...unexpectedSql].slice(0, 5),
  };
}

let setRound = 0;
/**
 * 5. PUT /secrets/:name on stored names vs its floor: a bare GET, a knex
 * select of the row, one encrypt, a knex UPDATE of the row (durable work).
 */
async function set(args: { maxOps: number; maxMs: number }) {
  const get = await ping();
  const knex = handles.secretsKnex;
  const round = ++setRound;
  const nameOf = (i: number) => storedNames[i % storedNames.length];
  return manageRequests(
    i => put(nameOf(i * 7), expectedValue(nameOf(i * 7), round * 1e5 + i + 1)),
    async i => {
      const name = nameOf(i * 7 + 3);
      await get();
      const row = await knex('secrets').where({ name }).first();
      encrypt(name, expectedValue(name), row.version).toString('base64');
      await knex('secrets')
        .where({ name, version: row.version })
        .update({ updated_at: new Date().toISOString() });
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
async function flushCost(args: { distinct: number; timeoutMs: number }) {
  const q = handles.queries;
  const reader = handles.uncachedSecrets;
  const readNames = storedNames.slice(-args.distinct);
  // wait for a flush first, so that the next one only carries our reads
  const probe = storedNames[3];
  await reader.getSecret(probe);
  const probed = q.lastUsedByName.get(probe) ?? 0;
  await waitFor(() => q.lastUsedByName.get(probe) !== probed, args.timeoutMs);
  for (const name of readNames) await reader.getSecret(name);
  q.lastUsedFirstNs = q.lastUsedLastEndNs = undefined;
  readNames.forEach(name => q.lastUsedByName.delete(name));
  const written = () => readNames.filter(n => q.lastUsedByName.get(n)).length;
  const loopMaxDelayMs = await loopDelayDuring(() =>
    waitFor(() => written() >= readNames.length, args.timeoutMs, 20),
  );
  const flushMs =
    q.lastUsedFirstNs && q.lastUsedLastEndNs
      ? usBetween(q.lastUsedFirstNs, q.lastUsedLastEndNs) / 1e3
      : NaN;
  // the same row writes in one transaction, rewriting what the flush wrote
  const knex = handles.secretsKnex;
  const rows = await knex('secrets')
    .select('name', 'last_used_at', 'last_used_by')
    .whereIn('name', readNames);
  let ms = 0;
  const transactionDelayMs = await loopDelayDuring(async () => {
    const t0 = hrNowNs();
    await knex.transaction(async trx => {
      for (const { name, ...values } of rows) {
        await trx('secrets').where({ name }).update(values);
      }
    });
    ms = usBetween(t0) / 1e3;
    await sleep(20);
  });
  return {
    distinct: readNames.length,
    rowsWritten: written(),
    flushMs,
    loopMaxDelayMs,
    oneTransaction: {
      rows: rows.length,
      ms,
      loopMaxDelayMs: transactionDelayMs,
    },
  };
}

/** RSS after full GCs: the smallest of 5 samples (RSS moves with the allocator). */
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
  const { rss, heapTotal, heapUsed, external } = best;
  return { rss, heapTotal, heapUsed, external };
}

/** 7. Memory of a fresh backend after reads, then after three lists. */
async function rss(args: { gcRounds: number }) {
  const readNames = storedNames.length
    ? storedNames.slice(0, 100)
    : Array.from({ length: 100 }, (_, i) => secretName(i + 1));
  for (let round = 0; round < 2; round++) {
    for (const name of readNames) {
      await handles.uncachedSecrets.getSecret(name).catch(() => undefined);
    }
  }
  const afterReads = await settledMemory(args.gcRounds);
  for (let i = 0; i < 3; i++) await listSecrets();
  return { afterReads, afterLists: await settledMemory(args.gcRounds) };
}

/** Value requests of the consumer's clients, counted at their HTTP call. */
let valueRequests = 0;
const originalFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url =
    typeof input === 'string' ? input : String((input as any).url ?? input);
  if (/\/api\/secrets\/secrets\/[^/]+\/value$/.test(url)) valueRequests++;
  return originalFetch(input, init);
};

/**
 * Reads one secret through the consumer's (cached) service every `pollMs`
 * for up to `durationMs`, until `until` returns true for a value.
 */
async function pollReads(
  args: { name: string; pollMs: number },
  durationMs: number,
  until: (value: string | undefined) => boolean,
  onFirst = () => {},
) {
  const end = Date.now() + durationMs;
  let reads = 0;
  while (Date.now() < end) {
    const value = await handles.secrets.getSecret(args.name);
    if (++reads === 1) onFirst();
    if (until(value)) return { reads, seenAtNs: hrNowNs() };
    await sleep(args.pollMs);
  }
  onFirst();
  return { reads };
}

// 6. Propagation: the consumer polls one secret until it sees the value the
// benchmark is about to PUT on another instance.
let watch: Promise<{ seenAtNs?: string }> | undefined;
function startWatch(args: {
  name: string;
  value: string;
  timeoutMs: number;
  pollMs: number;
}) {
  return new Promise(started => {
    watch = pollReads(
      args,
      args.timeoutMs,
      v => v === args.value,
      () => started({ started: true }),
    );
  });
}

/** 6. A hot secret read in a loop: how many reads reached the backend. */
async function hotReads(args: {
  name: string;
  durationMs: number;
  pollMs: number;
}) {
  const before = valueRequests;
  const { reads } = await pollReads(args, args.durationMs, () => false);
  return {
    reads,
    backendReads: valueRequests - before,
    durationMs: args.durationMs,
  };
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
    return watch;
  },
  timedPut: async (args: { name: string; value: string }) => {
    const startNs = hrNowNs();
    await put(args.name, args.value);
    return { startNs, endNs: hrNowNs() };
  },
  /** stores values for names[from, to) (registered, not stored yet) */
  seedRange: async (args: { from: number; to: number }) =>
    seedValues(names.slice(args.from, args.to)),
  storedName: async (args: { index: number }) => ({
    name: storedNames[args.index],
  }),
  expected: async (args: { name: string; round: number }) => ({
    value: expectedValue(args.name, args.round),
  }),
  stop: async () => {
    setTimeout(() => backend.stop().finally(() => process.exit(0)), 10);
    return { stopping: true };
  },
};

process.on('message', async (message: any) => {
  if (typeof message?.id !== 'number') return;
  try {
    const fn = commands[message.cmd];
    if (!fn) throw new Error(`unknown command ${message.cmd}`);
    const result = await fn(message.args ?? {});
    process.send?.({ id: message.id, ok: true, result });
  } catch (error) {
    const text = String((error as Error)?.stack ?? error);
    process.send?.({ id: message.id, ok: false, error: text });
  }
});

// The benchmark is gone: do not linger.
process.on('disconnect', () => process.exit(1));

(async () => {
  const t0 = Date.now();
  await backend.start();
  const startupMs = Date.now() - t0;
  if (options.seed) await seedValues([...storedNames]);
  handles.queries = new QueryCounter();
  process.send?.({ type: 'ready', startupMs, pid: process.pid });
})().catch(error => {
  process.send?.({ type: 'failed', error: String(error?.stack ?? error) });
  process.exit(1);
});
