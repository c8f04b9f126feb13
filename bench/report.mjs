// Renders the results of one `yarn bench` run (the JSON scripts/bench.mjs
// writes): the rows with their targets, printed as a table, and the tables
// between the bench:tables markers of docs/benchmarks.md (the text around
// them is written by hand). No measuring here.
//   node bench/report.mjs [results.json]   renders a saved run again
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const DOC = path.resolve(import.meta.dirname, '../docs/benchmarks.md');
const START = '<!-- bench:tables:start (written by yarn bench) -->';
const END = '<!-- bench:tables:end -->';

const missing = v => v === undefined || v === null || Number.isNaN(v);
/** A duration given in µs. */
function dur(us) {
  if (missing(us)) return '—';
  if (us < 1) return `${(us * 1000).toFixed(0)} ns`;
  if (us < 1000) return `${us.toFixed(us < 10 ? 2 : 0)} µs`;
  if (us < 1e6) return `${(us / 1000).toFixed(us < 1e4 ? 2 : 1)} ms`;
  return `${(us / 1e6).toFixed(2)} s`;
}
function ops(n) {
  if (missing(n)) return '—';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  return n >= 1e4 ? `${(n / 1e3).toFixed(0)} k` : n.toFixed(n >= 100 ? 0 : 1);
}
const MiB = b => b / 1024 / 1024;
const size = b =>
  b < 2 ** 20 ? `${(b / 1024).toFixed(1)} KiB` : `${MiB(b).toFixed(1)} MiB`;
const range = (min, max) => (min === max ? `${max}` : `${min}-${max}`);
/** `text` with each `{key}` replaced by `values[key]`. */
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, k) => values[k]);
/** p50 and max (nearest rank) of durations in ms, in µs. */
function summarizeMs(runs) {
  const sorted = runs.map(ms => ms * 1000).sort((a, b) => a - b);
  const at = q => sorted[Math.ceil(q * sorted.length) - 1];
  return { p50: at(0.5), p99: at(1), p99Label: 'max' };
}

/** `met`, `met (detail)` or `MISSED (factor)`. */
const status = (ok, factor, detail) =>
  ok ? `met${detail ? ` (${detail})` : ''}` : `MISSED (${factor})`;
const info = { target: '(no target)', status: 'info' };
/** A case's ops, p50 and p99, and its floor and the ratio to it. */
const timed = (stats, floor, floorName) => ({
  ...{ ops: stats.opsPerSec, p50: stats.p50, p99: stats.p99 },
  ...{ floor: floor.p50, floorName, ratio: stats.p50 / floor.p50 },
});
/** A row whose ratio to its floor must stay within `target`. */
function ratioRow(id, name, [stats, floor, floorName], target, note) {
  const row = { id, case: name, ...timed(stats, floor, floorName), note };
  const over = `${(row.ratio / target).toFixed(2)}× over`;
  const met = row.ratio <= target;
  return { ...row, target: `≤ ${target}×`, status: status(met, over) };
}

/** Case 3: at most one write per flush interval touched, and at least one. */
function writesRow(label, [writes, elapsedMs, flushMs], note, opsPerSec) {
  const allowed = Math.ceil(elapsedMs / flushMs) + 1;
  const met = `${writes} write${writes === 1 ? '' : 's'} ≤ ${allowed}`;
  const verdict = writes
    ? status(writes <= allowed, `${writes} writes > ${allowed}`, met)
    : 'ERROR (no last-used write seen: no flush, or the counter missed it)';
  return {
    ...{ id: '3', case: `Writes caused by reads: ${label}`, ops: opsPerSec },
    ...{ target: '≤ 1 write / flush interval', status: verdict },
    note: `${note}, ${writes} DB write(s) (allowed ≤ ${allowed})`,
  };
}

/** Case 4: one query; 10,000 on SQLite under 150 ms; linear growth. */
function listRow(db, n, list, smaller) {
  const { p50 } = list.stats;
  const perItem = p50 / list.items;
  const growth = smaller ? perItem / (smaller.stats.p50 / smaller.items) : 1;
  const budget = db === 'SQLite' && n === 10_000;
  const missed = [
    budget && p50 >= 150e3 && `${(p50 / 150e3).toFixed(2)}× the 150 ms budget`,
    list.queriesMax !== 1 && `${list.queriesMax} queries`,
    growth > 1.5 && `${growth.toFixed(1)}× the smaller list's per-item cost`,
  ].filter(Boolean);
  const sql = list.unexpectedSql.map(s => `\`${s.replace(/`/g, "'")}\``);
  const values = {
    ...{
      size: size(list.bytes),
      items: list.items,
      perItem: perItem.toFixed(1),
    },
    q: range(list.queriesMin, list.queriesMax),
    g: smaller ? ` (${growth.toFixed(2)}× the smaller list's)` : '',
  };
  const note = fill(
    '{size} response, {items} items; {q} query(ies) on the secrets table per request; {perItem} µs/item{g}',
    values,
  );
  return {
    id: '4',
    case: `List GET /secrets, ${n.toLocaleString(
      'en-US',
    )} registered (half stored)`,
    ...timed(
      list.stats,
      list.floor,
      'bare GET + 1 knex select of stored metadata + JSON.stringify',
    ),
    target: budget ? '< 150 ms, 1 query' : 'linear, 1 query',
    status: status(!missed.length, missed.join(', '), !budget && '1 query'),
    note: sql.length ? `${note}; unexpected statements: ${sql}` : note,
  };
}

/** Cases 1-5 on one database. */
function dbRows(db, { cold, warm, rw, flush, lists, set }, plan) {
  const [http, select, decrypt] = cold.floorParts.map(dur);
  const s = ms => `${(ms / 1000).toFixed(1)} s`;
  const flushMs = [rw.flushIntervalMs];
  const listRows = Object.entries(lists).map(([n, list], i, all) =>
    listRow(db, Number(n), list, all[i - 1]?.[1]),
  );
  return [
    ratioRow(
      '1',
      'Cold read via secretsServiceRef (cache off)',
      [cold.cold, cold.floor, 'bare GET + knex select + AES-GCM decrypt'],
      1.5,
      fill(
        "floor parts p50: GET {http}, select {select}, decrypt {decrypt}; {n} reads of {distinct} names, {per} statement(s) per read on the plugin's database",
        {
          ...{ http, select, decrypt, n: cold.cold.count },
          ...{
            distinct: plan.cold.distinct,
            per: cold.statementsPerRead.toFixed(2),
          },
        },
      ),
    ),
    ratioRow(
      '2',
      'Warm read via secretsServiceRef (default client, cached)',
      [warm.warm, warm.floor, 'config.getOptionalString'],
      3,
      fill(
        'per-read means of {batch}-read batches; {backend} backend reads during {n} warm reads',
        {
          ...{ batch: plan.warm.batch, n: ops(warm.warm.count) },
          backend: warm.backendReadsDuringWarm,
        },
      ),
    ),
    writesRow(
      '10,000 reads of one secret in ~1 s (default client)',
      [rw.cachedWrites, rw.cachedElapsedMs, ...flushMs],
      `${rw.reads} reads in ${s(rw.cachedElapsedMs)} → ${
        rw.cachedBackendReads
      } backend reads`,
    ),
    writesRow(
      'every read reaching the backend (cache off)',
      [rw.uncachedWrites, rw.uncachedElapsedMs, ...flushMs],
      fill(
        '{uncachedReads} reads (concurrency {c}) in {s} → {uncachedBackendReads} backend reads',
        {
          ...rw,
          c: plan.readsWrites.uncachedConcurrency,
          s: s(rw.uncachedElapsedMs),
        },
      ),
      (rw.uncachedReads / rw.uncachedElapsedMs) * 1000,
    ),
    {
      id: '3',
      case: `Cost of one last-used flush after ${flush.distinct} different secrets were read`,
      ...{ p50: flush.flushMs * 1000, floor: flush.transactionMs * 1000 },
      floorName: 'the same row updates in one transaction',
      ...{ ratio: flush.flushMs / flush.transactionMs, ...info },
      note: fill(
        '{rowsWritten} rows written; the event loop stalled up to {a} ms meanwhile ({b} ms in one transaction)',
        {
          ...{
            rowsWritten: flush.rowsWritten,
            a: flush.loopMaxDelayMs.toFixed(1),
          },
          b: flush.transactionDelayMs.toFixed(1),
        },
      ),
    },
    ...listRows,
    {
      ...{ id: '5', case: 'Set PUT /secrets/:name (encrypt + write + audit)' },
      ...timed(
        set.stats,
        set.floor,
        'bare GET + knex select + AES-GCM encrypt + knex UPDATE',
      ),
      ...info,
      note: `${range(
        set.queriesMin,
        set.queriesMax,
      )} queries on the secrets table per PUT; includes the user-token check and a permission-backend round trip`,
    },
  ].map(row => ({ db, ...row }));
}

/** Case 6: propagation with events, a hot secret, the fallback. */
function propagationRows({ events, hot, fallback, set, cold }, plan) {
  const trials = p => ({
    ...{ p50: p.p50, p99: p.max, p99Label: 'max' },
    note: fill(
      '{seen}/{trials} trials, p50 {p50}, max {max} from the start of the PUT (from its response: p50 {p50r}, max {maxr}; slowest PUT {put}); B polls every {poll} ms; trials in ms: {list}',
      {
        ...{ seen: p.trials - p.timeouts, trials: p.trials, p50: dur(p.p50) },
        ...{ max: dur(p.max), p50r: dur(p.p50AfterPut), put: dur(p.maxPut) },
        ...{ maxr: dur(p.maxAfterPut), poll: plan.poll.pollMs },
        list: p.trialsMs.join(', '),
      },
    ),
  });
  const timeouts = p =>
    `${p.timeouts} of ${p.trials} not seen within ${plan.propagation.timeoutMs} ms`;
  const verdict = (p, ok, met) =>
    p.timeouts ? `MISSED (${timeouts(p)})` : status(ok, met);
  const floor = set.stats.p50 + cold.cold.p50;
  const allowed = Math.ceil(hot.durationMs / hot.maxStalenessMs);
  const hotRun = `${hot.reads} reads of one secret in ${
    hot.durationMs / 1e3
  } s`;
  const [p50, max] = [events.p50 / 1000, events.max / 1000];
  const fallbackMax = fallback.max / 1000;
  const s = hot.maxStalenessMs / 1000;
  return [
    {
      case: 'Propagation with events: PUT on instance A → consumer on instance B sees it',
      ...trials(events),
      ...{ floor, ratio: events.p50 / floor },
      floorName: 'PUT p50 + cold read p50 (what no cache would cost)',
      target: 'p50 < 50 ms, max < 250 ms',
      status: verdict(
        events,
        p50 < 50 && max < 250,
        `p50 ${p50.toFixed(0)} ms, max ${max.toFixed(0)} ms`,
      ),
    },
    {
      case: `Hot secret on instance B: reads reaching the backend (maxStaleness ${s} s)`,
      target: '≤ 1 per maxStaleness per replica',
      status: status(
        hot.backendReads <= allowed,
        `${hot.backendReads} backend reads for ${hotRun}, allowed ${allowed}`,
        `${hot.backendReads} ≤ ${allowed}`,
      ),
      note: `${hotRun}, ${hot.backendReads} of them reached the backend`,
    },
    {
      case: 'Propagation with the event bus down (fallback to the 500 ms window)',
      ...trials(fallback),
      target: 'max < 1000 ms',
      status: verdict(
        fallback,
        fallbackMax < 1000,
        `max ${fallbackMax.toFixed(0)} ms`,
      ),
    },
  ].map(row => ({ id: '6', db: 'PostgreSQL', ...row }));
}

/** Case 7: the medians of fresh processes without and with the secrets. */
function memoryRow({ none, full }) {
  const median = x => [...x].sort((a, b) => a - b)[Math.ceil(x.length / 2) - 1];
  const of = (stage, key) => [none, full].map(s => s.map(m => m[stage][key]));
  const [rss, heap] = [of('afterReads', 'rss'), of('afterReads', 'heapUsed')];
  const lists = [of('afterLists', 'rss'), of('afterLists', 'heapUsed')];
  const growth = ([a, b]) => MiB(median(b) - median(a));
  const mib = x => `${growth(x) >= 0 ? '+' : ''}${growth(x).toFixed(1)} MiB`;
  const spread = x =>
    `${MiB(Math.min(...x)).toFixed(0)}–${MiB(Math.max(...x)).toFixed(0)} MiB`;
  const v = {
    ...{
      n: none.length,
      none: size(median(rss[0])),
      full: size(median(rss[1])),
    },
    ...{
      noneRange: spread(rss[0]),
      fullRange: spread(rss[1]),
      heap: mib(heap),
    },
    ...{ rssLists: mib(lists[0]), heapLists: mib(lists[1]) },
  };
  const budget = `${(growth(rss) / 50).toFixed(2)}× the budget`;
  return {
    ...{ id: '7', db: 'SQLite', target: '< 50 MiB growth' },
    case: 'Memory: RSS after GC, 10,000 secrets vs none',
    status: status(growth(rss) < 50, budget, mib(rss)),
    note: fill(
      'medians of {n} fresh processes each, after a warm-up of reads: RSS {none} → {full} (identical processes range {noneRange} without secrets, {fullRange} with); JS heap used {heap}; after also serving 3 lists: RSS {rssLists}, heap {heapLists}',
      v,
    ),
  };
}

/** Case 8: the page in Chromium (durations in ms). */
function pageRows(page) {
  const [render, names] = [page.render, page.names].map(runs => ({
    ...{ id: '8', db: 'SQLite', ...summarizeMs(runs) },
    note: `runs in ms: ${runs.map(Math.round).join(', ')}`,
  }));
  const budget = `${(render.p50 / 1e6).toFixed(2)}× the budget`;
  return [
    {
      ...render,
      case: `Manage secrets page in Chromium: 1,004 secrets rendered (median of ${page.render.length} runs)`,
      target: 'median < 1 s',
      status: status(render.p50 < 1e6, budget),
    },
    {
      ...{ ...names, ...info },
      case: `Manage secrets page: 100 set secrets until all 50 updaters are named (median of ${page.names.length} runs)`,
    },
  ];
}

/** Every row of the results table, in order. */
export function buildRows(results) {
  const { sqlite, postgres, plan } = results;
  const rows = dbRows('SQLite', sqlite, plan);
  if (postgres) {
    rows.push(...dbRows('PostgreSQL', postgres, plan));
    rows.push(...propagationRows(postgres, plan));
  } else {
    rows.push({
      ...{ id: '6', db: 'PostgreSQL', target: 'p50 < 50 ms, max < 250 ms' },
      case: 'Propagation: PUT on instance A → consumer on instance B sees it',
      ...{ status: 'SKIPPED', note: results.pg.reason },
    });
  }
  return [...rows, memoryRow(results.memory), ...pageRows(results.page)];
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
const cells = (r, markdown) => [
  ...[r.id, r.case, r.db, ops(r.ops), dur(r.p50)],
  missing(r.p99) ? '—' : `${dur(r.p99)}${r.p99Label ? ` (max)` : ''}`,
  `${dur(r.floor)}${markdown && r.floorName ? `: ${r.floorName}` : ''}`,
  ...[missing(r.ratio) ? '—' : `${r.ratio.toFixed(2)}×`, r.target],
  markdown && /^(MISSED|ERROR)/.test(r.status) ? `**${r.status}**` : r.status,
];

function table(headers, rows, markdown) {
  const text = v => String(v ?? '').replace(/\|/g, markdown ? '\\|' : '|');
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map(r => text(r[i]).length)),
  );
  const line = c => c.map((v, i) => text(v).padEnd(widths[i]));
  if (!markdown) {
    const rule = widths.map(w => '-'.repeat(w));
    return [headers, rule, ...rows].map(c => line(c).join('  ')).join('\n');
  }
  const md = c => `| ${line(c).join(' | ')} |`;
  return [headers, headers.map(() => '---'), ...rows].map(md).join('\n');
}

/** Prints the table; rewrites the tables of docs/benchmarks.md if `docs`. */
export function render(results, { docs = true } = {}) {
  const rows = buildRows(results);
  console.log(
    `\n${table(
      HEADERS,
      rows.map(r => cells(r)),
    )}\n`,
  );
  for (const r of rows) if (r.note) console.log(`  ${r.id} ${r.db}: ${r.note}`);
  if (!docs) return undefined;
  const { machine: m, pg } = results;
  const run = [
    ['CPUs (`nproc`)', m.nproc],
    ['CPU model', m.cpuModel],
    ['memory', m.memory],
    ['OS', m.os],
    ['Node.js (OpenSSL)', `${m.node} (${m.openssl})`],
    ['PostgreSQL', pg.ok ? pg.version : `not measured: ${pg.reason}`],
    ['load average at start (1/5/15 min)', m.loadAverage],
    ['date', m.date],
    ['commit', `${m.gitCommit} (plus uncommitted changes, if any)`],
    ['duration of the run', `${(results.elapsedMs / 1000).toFixed(0)} s`],
  ];
  const notes = rows
    .filter(r => r.note)
    .map(r => `- **${r.id}. ${r.case}** (${r.db}): ${r.note}`);
  const tables = [
    ...['## Machine and run', table(['', ''], run, true), '## Results'],
    table(
      HEADERS,
      rows.map(r => cells(r, true)),
      true,
    ),
    ...['Details:', notes.join('\n')],
  ];
  const [head, rest] = fs.readFileSync(DOC, 'utf8').split(START);
  const tail = rest?.split(END)[1];
  if (tail === undefined) throw new Error(`${DOC}: no ${START} … ${END}`);
  const prettier = createRequire(import.meta.url)('prettier');
  const config = { ...prettier.resolveConfig.sync(DOC), parser: 'markdown' };
  const text = [head + START, ...tables, END + tail].join('\n\n');
  fs.writeFileSync(DOC, prettier.format(text, config));
  return DOC;
}

if (process.argv[1] === import.meta.filename) {
  const file = path.join(os.tmpdir(), 'secrets-bench-results.json');
  render(JSON.parse(fs.readFileSync(process.argv[2] ?? file, 'utf8')));
}
