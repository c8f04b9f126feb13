#!/usr/bin/env node
// `yarn bench` (docs/benchmarks.md, with the options): real secrets backends
// (bench/worker.ts) on SQLite and, when reachable, PostgreSQL measure every
// hot path next to its floor, then the page in Chromium (bench/render.mjs);
// bench/report.mjs prints and documents the results. Fails only when the
// benchmark does, never on a missed target (printed as MISSED).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderCase } from '../bench/render.mjs';
import { render } from '../bench/report.mjs';
import * as e2e from './e2e.mjs';
import { withPg as withPgAt } from './pg-check.mjs';

const env = process.env;
const { values: opts } = parseArgs({
  options: {
    'no-postgres': { type: 'boolean' },
    'no-docs': { type: 'boolean' },
    'keep-tmp': { type: 'boolean' },
    // every backend under --cpu-prof; profiled numbers are slower: no docs
    profile: { type: 'boolean' },
    results: {
      type: 'string',
      default: path.join(os.tmpdir(), 'secrets-bench-results.json'),
    },
    'postgres-url': {
      type: 'string',
      default:
        env.SECRETS_BENCH_POSTGRES_URL ??
        env.SECRETS_TEST_POSTGRES_URL ??
        'postgresql://postgres@127.0.0.1:5432',
    },
  },
});
const withPg = (fn, database) => withPgAt(opts['postgres-url'], fn, database);

// The sizes of the run (bounded in count and time).
const PLAN = {
  cold: { rounds: 8, roundMs: 500, maxOpsPerRound: 20_000, distinct: 10 },
  warm: { rounds: 4, roundMs: 500, batch: 1000 },
  readsWrites: {
    ...{ reads: 10_000, windowMs: 1000, uncachedReads: 10_000 },
    ...{ uncachedMaxMs: 5000, uncachedConcurrency: 4, flushIntervalMs: 5000 },
  },
  flush: { distinct: 250, timeoutMs: 30_000 },
  list: {
    100: { maxOps: 100, maxMs: 3000 },
    1000: { maxOps: 40, maxMs: 4000 },
    10000: { maxOps: 12, maxMs: 8000 },
  },
  set: { maxOps: 150, maxMs: 5000 },
  propagation: { trials: 20, fallbackTrials: 10, timeoutMs: 5000 },
  poll: { pollMs: 2, phaseMs: 600, hotMs: 30_000 },
  renderRuns: 5,
  appConfig: { rounds: 5, intervalMs: 200, trials: 5 },
  entity: {
    values: 10_000,
    rounds: 4,
    roundMs: 500,
    batch: 1000,
    requests: 20,
  },
};
/** The secrets settings of the instances of the propagation cases. */
const EVENTS_CONFIG = {
  client: { maxStaleness: { seconds: 10 } },
  events: { heartbeatInterval: { seconds: 2 } },
};
/** Case 10: the key provider `bench-kms` (its re-wrap task starts after 5 s). */
const KMS = {
  kms: true,
  secretsConfig: { encryption: { provider: 'bench-kms' } },
};
const HEARTBEAT_MS = 2000; // a client distrusts the bus 2.5 intervals late

const t0 = Date.now();
const log = message =>
  console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(0)}s] ${message}`);
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-bench-'));

// The root config of a benchmark backend: the guest signs in as a member of
// group:default/admins, the managers of the public policy module, with an
// obviously fake key; `bench.staticValue` is the floor of a warm read (a
// static config value, as adopters read their API keys today).
function backendConfig(port, database, secretsConfig) {
  const admin = 'user:default/bench-admin';
  const groups = [admin, 'group:default/admins'];
  const key = Buffer.from('bench-only-key-not-a-real-secret');
  return {
    app: { baseUrl: 'http://localhost:3000' },
    backend: {
      baseUrl: `http://127.0.0.1:${port}`,
      listen: { host: '127.0.0.1', port },
      database,
    },
    auth: {
      providers: {
        guest: {
          ...{ userEntityRef: admin, ownershipEntityRefs: groups },
          dangerouslyAllowOutsideDevelopment: true,
        },
      },
    },
    permission: { enabled: true },
    secrets: {
      permission: { managers: ['group:default/admins'] },
      ...secretsConfig,
      encryption: {
        keys: [{ id: 'bench', secret: key.toString('base64url') }],
        ...secretsConfig?.encryption,
      },
    },
    bench: { staticValue: 'bench-value-static', tmpDir },
  };
}
// Starts a backend (bench/worker.ts) with `registered` secrets, `stored` of
// them with values (stored after start unless `seed` is false), runs
// `fn(worker)` on it and stops it; `worker.call(cmd, args)` runs one of its
// commands (a POST to its bench-consumer plugin) and answers the result.
async function withBackend(label, database, registered, fn, options = {}) {
  const { stored = registered / 2, seed = true, events = false } = options;
  const { kms, entities = 0 } = options;
  const worker = JSON.stringify({ registered, stored, events, kms, entities });
  log(`${label}: starting a backend, ${registered} secrets, ${stored} stored…`);
  const port = await e2e.freePort(7200);
  const profile = ['--cpu-prof', `--cpu-prof-dir=${tmpDir}/profiles`];
  const backend = e2e.spawnBackend({
    ...{ name: label, dir: tmpDir },
    config: backendConfig(port, database, options.secretsConfig),
    args: ['--require', e2e.NODE_TRANSFORM]
      .concat(options.nodeFlags ?? [], opts.profile ? profile : [])
      .concat(path.join(e2e.ROOT, 'bench/worker.ts')),
    env: {
      ...{ NODE_ENV: 'production', LOG_LEVEL: env.LOG_LEVEL ?? 'info' },
      SECRETS_BENCH_WORKER: worker,
    },
  });
  const call = async (cmd, args = {}) => {
    const url = `${backend.url}/api/bench-consumer/run/${cmd}`;
    const headers = { 'content-type': 'application/json' };
    const body = JSON.stringify(args);
    const res = await fetch(url, { method: 'POST', headers, body }).catch(
      error => ({ json: () => ({ error: `${error.cause ?? error}` }) }),
    );
    const answer = await res.json();
    if (res.ok) return answer.result;
    const lines = e2e.logTail(backend, 20);
    throw new Error(`${label}: ${cmd}: ${answer.error}\n${lines}`);
  };
  try {
    await e2e.waitForReady(backend);
    if (seed) await call('seedRange', { from: 0, to: stored });
    return await fn({ baseUrl: backend.url, call });
  } finally {
    await e2e.stopBackends([backend]);
  }
}
const sqliteDb = name => {
  const directory = path.join(tmpDir, name);
  fs.mkdirSync(directory, { recursive: true });
  return { client: 'better-sqlite3', connection: { directory } };
};
// Every PostgreSQL database of the run starts with RUN (dropped at the end).
const RUN = `secrets_bench_${randomBytes(4).toString('hex')}_`;
let pgUsed = false;
const pgDb = name => {
  pgUsed = true;
  const prefix = `${RUN}${name}_`;
  return { client: 'pg', connection: opts['postgres-url'], prefix };
};
/** Cases 1, 2, 3, 5 and the list of 1,000 on one backend (and 6 with `more`). */
const MAIN_STEPS = [
  ['cold', 'coldRead', PLAN.cold, 'cold reads vs floor (interleaved rounds)'],
  ['warm', 'warmRead', PLAN.warm, 'warm reads vs config.getOptionalString'],
  ['rw', 'readsWrites', PLAN.readsWrites, 'writes caused by reads'],
  ['flush', 'flushCost', PLAN.flush, 'cost of one last-used flush'],
  ['list', 'list', PLAN.list[1000], 'list of 1000'],
  ['set', 'set', PLAN.set, 'PUT'],
  ['appConfig', 'appConfig', PLAN.appConfig, 'root config, app-config secrets'],
];
const mainCases = (db, database, options, more = async () => ({})) =>
  withBackend(
    `${db}-main`,
    database,
    1000,
    async w => {
      const main = {};
      for (const [key, cmd, args, what] of MAIN_STEPS) {
        log(`${db}: ${what}…`);
        main[key] = await w.call(cmd, args);
      }
      return { ...main, lists: { 1000: main.list }, ...(await more(w)) };
    },
    options,
  );
/** Case 4: a list of `registered` on its own backend. */
const listCase = (db, database, registered, after = async () => {}) =>
  withBackend(`${db}-list-${registered}`, database, registered, async w => {
    log(`${db}: list of ${registered}…`);
    const list = await w.call('list', PLAN.list[registered]);
    await after(w);
    return list;
  });
// Case 6 on instance B, a second backend on A's databases: propagation with
// events, a hot secret, then the fallback with the event bus down (its
// table renamed away).
async function eventsCases(a) {
  const { trials, fallbackTrials, timeoutMs } = PLAN.propagation;
  const { pollMs, phaseMs, hotMs } = PLAN.poll;
  const trialArgs = { aUrl: a.baseUrl, timeoutMs, pollMs, phaseMs };
  const setBus = up =>
    withPg(client => {
      const [on, off] = ['event_bus_events', 'event_bus_events_down'];
      const [from, to] = up ? [off, on] : [on, off];
      return client.query(`ALTER TABLE ${from} RENAME TO ${to}`);
    }, `${RUN}main_events`);
  const instanceB = { seed: false, events: true, secretsConfig: EVENTS_CONFIG };
  return withBackend(
    'postgres-instance-b',
    pgDb('main'),
    1000,
    async b => {
      await sleep(3 * HEARTBEAT_MS); // both clients heard both instances
      log(`PostgreSQL: propagation with events, ${trials} trials…`);
      const args = { ...trialArgs, trials, round: 900_000 };
      const events = await b.call('propagation', args);
      log(`PostgreSQL: a hot secret read in a loop on B for ${hotMs} ms…`);
      const hotArgs = { durationMs: hotMs, pollMs };
      const hot = await b.call('hotReads', hotArgs);
      hot.maxStalenessMs = EVENTS_CONFIG.client.maxStaleness.seconds * 1000;
      log('PostgreSQL: event bus down, fallback…');
      await setBus(false);
      try {
        await sleep(3.5 * HEARTBEAT_MS); // until the clients noticed
        const downArgs = { ...trialArgs, trials: fallbackTrials, round: 95e4 };
        const fallback = await b.call('propagation', downArgs);
        return { events, hot, fallback };
      } finally {
        await setBus(true);
      }
    },
    instanceB,
  );
}
// Case 7: 3 fresh backends without secrets and 3 with 10,000 stored (in
// `dir`), alternating: RSS differs by tens of MB between identical fresh
// processes of this dev setup, so the report compares medians.
async function memoryCase(dir) {
  const samples = { none: [], full: [] };
  const rss = w => w.call('rss', { gcRounds: 4 });
  for (let pair = 1; pair <= 3; pair++) {
    for (const [n, key, d] of [
      [0, 'none', 'sqlite-mem-0'],
      [10_000, 'full', dir],
    ]) {
      const options = { seed: false, nodeFlags: ['--expose-gc'], stored: n };
      const label = `memory-${n}-${pair}`;
      samples[key].push(await withBackend(label, sqliteDb(d), n, rss, options));
    }
  }
  return samples;
}
const fixed2 = v => v.toFixed(2);
const machine = () => ({
  nproc: os.availableParallelism(),
  cpuModel: os.cpus()[0]?.model,
  memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
  node: process.version,
  openssl: process.versions.openssl,
  os: `${os.type()} ${os.release()}`,
  loadAverage: os.loadavg().map(fixed2).join(' '),
  date: new Date().toISOString(),
  gitCommit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
    encoding: 'utf8',
  }).trim(),
});
async function postgresStatus() {
  if (opts['no-postgres']) return { reason: 'disabled with --no-postgres' };
  try {
    const query = c => c.query('SHOW server_version');
    return { ok: true, version: (await withPg(query)).rows[0].server_version };
  } catch (error) {
    const where = opts['postgres-url'].replace(/\/\/[^@/]*@/, '//');
    return {
      reason: `PostgreSQL at ${where} is unreachable: ${error.message}`,
    };
  }
}
async function main() {
  const m = machine();
  log(`Node ${m.node}, ${m.nproc} CPU(s) ${m.cpuModel}, load ${m.loadAverage}`);
  const pg = await postgresStatus();
  log(pg.ok ? `PostgreSQL ${pg.version} reachable` : `skipped: ${pg.reason}`);
  const results = { machine: m, pg, plan: PLAN };

  // SQLite: the main backend, then lists of 100 and 10,000; the latter
  // then stores the other half for the memory case.
  const sqlite = await mainCases('SQLite', sqliteDb('sqlite-main'));
  sqlite.lists[100] = await listCase('SQLite', sqliteDb('sqlite-100'), 100);
  const db10k = sqliteDb('sqlite-10000');
  sqlite.lists[10_000] = await listCase('SQLite', db10k, 10_000, w => {
    log('SQLite: storing the other 5000 values for the memory case…');
    return w.call('seedRange', { from: 5000, to: 10_000 });
  });
  results.sqlite = sqlite;

  // PostgreSQL: the main backend with a second instance (case 6), a list
  // of 10,000.
  if (pg.ok) {
    const events = { events: true, secretsConfig: EVENTS_CONFIG };
    const postgres = await mainCases('PostgreSQL', pgDb('main'), events, a =>
      eventsCases(a),
    );
    const db = pgDb('list');
    postgres.lists[10_000] = await listCase('PostgreSQL', db, 10_000);
    results.postgres = postgres;
  }
  results.memory = await memoryCase('sqlite-10000');
  // Case 10, then re-wrapping the 10,000 rows the memory case left (`local`).
  results.kms = await mainCases('SQLite-kms', sqliteDb('kms'), KMS);
  const [db, options] = [sqliteDb('sqlite-10000'), { ...KMS, seed: false }];
  const rewrap = w => w.call('rewrap');
  results.kms.rewrap = await withBackend('rewrap', db, 1e4, rewrap, options);
  // Case 11: 10,000 components, each with its own value of one secret.
  const entity = w => w.call('entity', PLAN.entity);
  const ent = { entities: PLAN.entity.values };
  results.entity = await withBackend(
    'entity',
    sqliteDb('entity'),
    100,
    entity,
    ent,
  );
  log('Manage secrets page in Chromium (the perf demo backend)…');
  results.renderMs = await renderCase(PLAN.renderRuns, log);
  return results;
}
let cleanupPromise;
let interrupted = false;
/** Stops the backends, drops the databases, removes the temporary files; once. */
function cleanup() {
  const drop = async client => {
    const like =
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)';
    const { rows } = await client.query(like, [RUN]);
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    log(`dropped ${rows.length} PostgreSQL database(s) ${RUN}*`);
  };
  cleanupPromise ??= (async () => {
    await e2e.stopBackends([...e2e.spawned]);
    if (pgUsed) {
      await withPg(drop).catch(error =>
        console.error(`[bench] could not drop ${RUN}*: ${error.message}`),
      );
    }
    if (opts['keep-tmp'] || opts.profile) log(`kept ${tmpDir}`);
    else fs.rmSync(tmpDir, { recursive: true, force: true });
  })();
  return cleanupPromise;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n[bench] ${signal}: stopping the backends, cleaning up…`);
    cleanup().finally(() => process.exit(130));
  });
}
let results;
try {
  results = await main();
  results.elapsedMs = Date.now() - t0;
  fs.writeFileSync(opts.results, JSON.stringify(results));
  log(`wrote the results to ${opts.results}`);
} catch (error) {
  if (interrupted) await new Promise(() => {}); // the signal handler exits
  console.error(`\n[bench] FAILED: ${error.stack ?? error}`);
  results = undefined;
} finally {
  await cleanup();
}
if (results) {
  const docs = !opts['no-docs'] && !opts.profile;
  const file = render(results, { docs });
  if (file) log(`wrote ${path.relative(e2e.ROOT, file)}`);
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
process.exit(results ? 0 : 1);
