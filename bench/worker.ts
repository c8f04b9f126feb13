// A benchmark backend (scripts/bench.mjs runs the cases below through
// bench/features.ts): createBackend() with real auth, httpRouter, database,
// permission backend and policy, the secrets plugin and N secrets. Values are
// stored through the REST API, as an admin would. Never prints values.
import { createBackend } from '@backstage/backend-defaults';
import { ConfigSources } from '@backstage/config-loader';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { loadAppConfigWithSecrets } from '../plugins/secrets-backend/src/appConfig';
import { benchConsumerPlugin, benchDefinitionsModule } from './features';
import { BENCH_ENTITY_SECRET, benchKmsModule } from './features';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { handles, QueryCounter } from './features';
import { interleave, now, Round, sleep, summarize } from './measure';
import { timeLoop, usBetween } from './measure';

const { registered, stored, events, kms, entities } = JSON.parse(
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
backend.add(benchDefinitionsModule(names, entities > 0));
// Case 11: a catalog of `entities` components (in memory; the guest manages).
const component = (i: number) => ({
  ...{ apiVersion: 'backstage.io/v1alpha1', kind: 'Component' },
  ...{ metadata: { name: `bench-${i}`, namespace: 'default' }, spec: {} },
});
const catalog = Array.from({ length: entities ?? 0 }, (_, i) => component(i));
if (entities) backend.add(catalogServiceMock.factory({ entities: catalog }));
backend.add(benchConsumerPlugin);
if (kms) backend.add(benchKmsModule);

/** A guest (an admin) user token from the auth backend of `base`. */
const userToken = async (base: string): Promise<string> =>
  fetch(`${base}/api/auth/guest/refresh`, {
    headers: { 'x-requested-with': 'XMLHttpRequest' },
  }).then(async res => (await res.json()).backstageIdentity.token);
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
    timeLoop(samples, op, { maxOps, maxMs });

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
// 1. Cold reads through the uncached client vs their floor: a bare GET, a
// bare knex select of the row by name, one decrypt.
async function coldRead(args: Args) {
  const pick = (i: number) => storedNames[i % args.distinct];
  const get = await ping();
  const envelopes = storedNames
    .slice(0, args.distinct)
    .map(n => encrypt(n, expected(n)));
  let wrong = 0;
  const coldOp = async (i: number) => {
    const value = await handles.uncachedSecrets.getSecret(pick(i));
    if (value !== expected(pick(i))) wrong++;
  };
  const floorOp = async (i: number) => {
    const name = pick(i);
    await get();
    const row = await handles.secretsKnex('secrets').where({ name }).first();
    const value = decrypt(name, envelopes[i % args.distinct]);
    if (!row || value !== expected(name)) wrong++;
  };
  const limits = { maxOps: args.maxOpsPerRound, maxMs: args.roundMs };
  const run = await interleave({
    ...{ op: coldOp, floorOp, rounds: args.rounds },
    warmUp: sequential(200, 2000), // JIT, connections, JWKS fetch
    round: (samples, op) => timeLoop(samples, op, limits),
  });
  if (wrong > 0) throw new Error(`cold read: ${wrong} wrong values`);
  return { cold: run.stats, floor: run.floorStats };
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
      timeLoop(samples, op, {
        ...{ maxOps: maxBatches * args.batch, maxMs, batch: args.batch },
        isAsync: op === warmOp,
      });
  const run = await interleave({
    ...{ op: warmOp, floorOp, rounds: args.rounds },
    ...{ warmUp: batched(200, 300), round: batched(100_000, args.roundMs) },
  });
  return { warm: run.stats, floor: run.floorStats };
}
// 3. Reads of one secret through the default client paced over `windowMs`,
// then of another through the uncached one; the last-used writes they cause.
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
  let [reads, t0] = [0, Date.now()];
  while (reads < args.reads && Date.now() - t0 < args.windowMs * 3) {
    const elapsed = Date.now() - t0 + 1;
    const target = Math.ceil((elapsed / args.windowMs) * args.reads);
    for (; reads < Math.min(args.reads, target); reads++) {
      await read(handles.secrets, cachedName);
    }
    await sleep(1);
  }
  const cachedElapsedMs = Date.now() - t0;
  let uncachedReads = 0;
  t0 = Date.now();
  const reader = async () => {
    const more = () => Date.now() - t0 < args.uncachedMaxMs;
    while (uncachedReads < args.uncachedReads && more()) {
      uncachedReads++;
      await read(handles.uncachedSecrets, uncachedName);
    }
  };
  await Promise.all(Array.from({ length: args.uncachedConcurrency }, reader));
  const uncachedElapsedMs = Date.now() - t0;
  await sleep(args.flushIntervalMs + 1500); // a flush after the last read
  const writes = (name: string) => q.lastUsedByName.get(name) ?? 0;
  return {
    flushIntervalMs: args.flushIntervalMs,
    cached: { writes: writes(cachedName), elapsedMs: cachedElapsedMs },
    uncached: {
      ...{ writes: writes(uncachedName), elapsedMs: uncachedElapsedMs },
      reads: uncachedReads,
    },
  };
}
// Requests of a manage route (one per round) alternating with their floor;
// statements on the secrets table counted per request.
type Op = (i: number) => Promise<unknown>;
async function manageRequests(op: Op, floorOp: Op, args: Args, warm: number) {
  const queries: number[] = [];
  const counted = (i: number) =>
    handles.queries.perRequest(() => op(i)).then(n => queries.push(n));
  const limits = { maxOps: 1, maxMs: args.maxMs };
  const run = await interleave({
    ...{ op: counted, floorOp, rounds: args.maxOps, maxMs: args.maxMs },
    warmUp: sequential(warm, 5000),
    afterWarmUp: () => (queries.length = 0),
    round: (samples, f, r) => timeLoop(samples, () => f(r + warm), limits),
  });
  const queriesMax = Math.max(...queries);
  return { stats: run.stats, floor: run.floorStats, queriesMax };
}
// 4. GET /secrets vs its floor: a bare GET, one knex select of the stored
// rows' metadata columns (every column but the ciphertext), JSON.stringify.
async function list(args: Args) {
  const get = await ping();
  const columns = ['name', 'key_id', 'version', 'created_at', 'created_by']
    .concat(['updated_at', 'updated_by', 'last_used_at', 'last_used_by'])
    .concat(['last_used_on_behalf_of']);
  let items = 0;
  const request = async () => {
    items = JSON.parse(await listSecrets()).items.length;
  };
  const floor = async () => {
    await get();
    const knex = handles.secretsKnex;
    const rows = await knex('secrets').select(columns).orderBy('name');
    return JSON.stringify({ items: rows }).length;
  };
  const run = await manageRequests(request, floor, args, 3);
  return { ...run, items };
}
let setRound = 0;
// 5. PUT /secrets/:name on stored names vs its floor: a bare GET, a knex
// select of the row, one encrypt, a knex UPDATE of the row (durable work).
async function set(args: Args) {
  const [get, knex, round] = [await ping(), handles.secretsKnex, ++setRound];
  const pick = (i: number) => storedNames[i % storedNames.length];
  const op = (i: number) =>
    put(pick(i * 7), expected(pick(i * 7), round * 1e5 + i + 1));
  const floor = async (i: number) => {
    const name = pick(i * 7 + 3);
    await get();
    const { version } = await knex('secrets').where({ name }).first();
    encrypt(name, expected(name), version);
    const updatedAt = { updated_at: new Date().toISOString() };
    await knex('secrets').where({ name, version }).update(updatedAt);
  };
  return manageRequests(op, floor, args, 10);
}
/** Polls `done` every `pollMs` for up to `timeoutMs`, then waits 50 ms. */
async function waitFor(done: () => boolean, timeoutMs: number, pollMs = 10) {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(pollMs);
  await sleep(50);
}
// 3. The cost of one flush after `distinct` different secrets were each
// read once: how long its last-used writes take, and the same row writes in
// one transaction.
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
  await waitFor(() => written() >= readNames.length, args.timeoutMs, 20);
  const [first, last] = [q.lastUsedFirstNs, q.lastUsedLastEndNs];
  const flushMs = first && last ? usBetween(first, last) / 1e3 : NaN;
  // the same row writes in one transaction, rewriting what the flush wrote
  const rows = await knex('secrets')
    .select('name', 'last_used_at', 'last_used_by')
    .whereIn('name', readNames);
  const t0 = now();
  await knex.transaction(async trx => {
    for (const { name, ...values } of rows) {
      await trx('secrets').where({ name }).update(values);
    }
  });
  const transactionMs = usBetween(t0) / 1e3;
  return { distinct: args.distinct, flushMs, transactionMs };
}
/** RSS after full GCs: the least of 5 samples (it moves with the allocator). */
async function settledMemory(gcRounds: number) {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const settle = (ms: number) => (gc(), sleep(ms));
  for (let i = 0; i < gcRounds; i++) await settle(250);
  let rss = Infinity;
  for (let i = 0; i < 5; i++) {
    await settle(200);
    rss = Math.min(rss, process.memoryUsage().rss);
  }
  return rss;
}
/** 7. Memory of a fresh backend (--expose-gc) after reads. */
async function rss(args: Args) {
  // 100 names, registered or not (without secrets, the reads are refused)
  for (let i = 0; i < 200; i++) {
    await handles.uncachedSecrets.getSecret(nameOf(i % 100)).catch(() => 0);
  }
  return settledMemory(args.gcRounds);
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
type Until = (value: string | undefined) => boolean;
async function pollReads(name: string, poll: Args, until: Until) {
  const { pollMs, durationMs } = poll;
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
// 6. On instance B: trials of "PUT a new value on instance A (`aUrl`), poll
// this instance's cached secretsServiceRef until it returns it", each after
// a random phase; one warm-up trial first. Delays from the start of the PUT.
async function propagation({ aUrl, ...args }: Args & { aUrl: string }) {
  const name = storedNames[5];
  const fromStart: number[] = [];
  const poll = { pollMs: args.pollMs, durationMs: args.timeoutMs };
  for (let trial = -1; trial < args.trials; trial++) {
    const value = expected(name, args.round + trial + 11);
    const seen = pollReads(name, poll, v => v === value);
    await sleep(Math.floor(Math.random() * args.phaseMs));
    const start = now();
    await put(name, value, aUrl);
    const { seenAt } = await seen;
    if (trial >= 0 && seenAt) fromStart.push(usBetween(start, seenAt));
  }
  const { p50, max } = summarize(fromStart);
  const timeouts = args.trials - fromStart.length;
  return { trials: args.trials, timeouts, p50, max };
}
/** 6. A hot secret read in a loop: how many reads reached the backend. */
async function hotReads(args: Args) {
  const before = valueRequests;
  const { reads } = await pollReads(storedNames[7], args, () => false);
  const backendReads = valueRequests - before;
  return { reads, backendReads, durationMs: args.durationMs };
}
// 9. The root config with 0 and 50 app-config secrets (at proxy headers) vs
// the stock one, after one load of the config schema; PUT → a subscriber.
async function appConfig({ rounds, intervalMs, trials }: Args) {
  const file = `${handles.config.getString('bench.tmpDir')}/appconfig.json`;
  const argv = ['', '', '--config', file];
  const get = (key: string) => handles.config.get(key);
  const write = (used: string[]) => {
    const auth = (n: string) => ({ Authorization: `Bearer \${${n}}` });
    const at = (n: string) => [
      `/${n}`,
      { target: 'http://x', headers: auth(n) },
    ];
    const secrets = {
      encryption: get('secrets.encryption'),
      definitions: used.map(name => ({ name, appConfig: true })),
      appConfig: { reloadInterval: { milliseconds: intervalMs } },
    };
    const backend = { database: get('backend.database') };
    const proxy = { endpoints: Object.fromEntries(used.map(at)) };
    fs.writeFileSync(file, JSON.stringify({ backend, secrets, proxy }));
  };
  const stock = () => ConfigSources.toConfig(ConfigSources.default({ argv }));
  const ours = () =>
    loadAppConfigWithSecrets({ argv }) as ReturnType<typeof stock>;
  const time = async (load: typeof stock, t = now()) =>
    [(await load()).close(), usBetween(t)][1]!;
  const us: Record<string, number[]> = { s0: [], o0: [], s50: [], o50: [] };
  await time((write(storedNames.slice(0, 50)), ours)); // loads the schema
  for (let r = 0, n = 0; r < rounds * 2; r++, n = 50 - n) {
    write(storedNames.slice(0, n));
    us[`s${n}`].push(await time(stock));
    us[`o${n}`].push(await time(ours));
  }
  const [config, delays] = [await ours(), [] as number[]];
  let seenAt = 0n; // the last change a subscriber saw; from the PUT's start
  config.subscribe!(() => (seenAt = now()));
  for (let t = 0; t < trials; t++) {
    const putAt = now();
    await put(storedNames[0], expected(storedNames[0], 70_000 + t));
    for (let w = 0; seenAt < putAt && w < 10_000; w++) await sleep(1);
    if (seenAt > putAt) delays.push(usBetween(putAt, seenAt));
  }
  config.close();
  const p50s = Object.entries(us).map(([k, v]) => [k, summarize(v).p50]);
  return { ...Object.fromEntries(p50s), intervalMs, delays: summarize(delays) };
}
/** 10. The re-wrap task (5 s after start), from its first batch to `n()` 0. */
async function rewrap() {
  const n = async () => JSON.parse(await api('/encryption')).rowsUnderOlderKeys;
  const rows = await n();
  while ((await n()) === rows) await sleep(100);
  const t0 = Date.now();
  while ((await n()) > 0) await sleep(100);
  return { rows, ms: Date.now() - t0 };
}
// 11. Entity-owned secrets: `values` entities get a value (PUT, 8 at a
// time); a warm read of one vs a warm read of a shared secret (its floor),
// the list of one entity's secrets, and the admin list with them stored.
async function entity(args: Args) {
  const path = (i: number) => `/entities/component/default/bench-${i}/secrets`;
  const value = (i: number) => expected(BENCH_ENTITY_SECRET, i + 1);
  const queue = Array.from({ length: args.values }, (_, i) => i);
  const next = async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      const body = JSON.stringify({ value: value(i) });
      await api(`${path(i)}/${BENCH_ENTITY_SECRET}`, { method: 'PUT', body });
    }
  };
  await Promise.all(Array.from({ length: 8 }, next));
  const entityRef = 'component:default/bench-0';
  const op = () =>
    handles.secrets.getSecret(BENCH_ENTITY_SECRET, { entityRef });
  const floorOp = () => handles.secrets.getSecret(storedNames[0]);
  if ((await op()) !== value(0)) throw new Error('entity read: wrong value');
  const batched =
    (maxBatches: number, maxMs: number): Round =>
    (samples, o) =>
      timeLoop(samples, o, {
        ...{ maxOps: maxBatches * args.batch, maxMs, batch: args.batch },
        isAsync: true,
      });
  const run = await interleave({
    ...{ op, floorOp, rounds: args.rounds },
    ...{ warmUp: batched(200, 300), round: batched(100_000, args.roundMs) },
  });
  const timed = async (request: () => Promise<unknown>) => {
    const us: number[] = [];
    for (let r = 0; r < args.requests; r++) {
      const t = now();
      await request();
      us.push(usBetween(t));
    }
    return summarize(us);
  };
  const entityList = await timed(() => api(path(1)));
  const adminList = await timed(listSecrets);
  return { warm: run.stats, shared: run.floorStats, entityList, adminList };
}
handles.commands = {
  entity,
  ...{ coldRead, warmRead, readsWrites, list, set, flushCost, rss, appConfig },
  ...{ propagation, hotReads, rewrap },
  /** stores values for names[from, to) (registered, not stored yet) */
  seedRange: async ({ from, to }) => {
    await seedValues(names.slice(from, to));
    handles.queries = new QueryCounter(); // count from the first case on
  },
};
backend.start();
