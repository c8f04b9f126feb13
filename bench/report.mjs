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
const median = x => [...x].sort((a, b) => a - b)[Math.ceil(x.length / 2) - 1];

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
function ratioRow(id, name, [stats, floor, floorName], target) {
  const row = { id, case: name, ...timed(stats, floor, floorName) };
  const over = `${(row.ratio / target).toFixed(2)}× over`;
  const met = row.ratio <= target;
  return { ...row, target: `≤ ${target}×`, status: status(met, over) };
}
/** Case 3: at most one write per flush interval touched, and at least one. */
function writesRow(label, { writes, elapsedMs }, flushMs, opsPerSec) {
  const allowed = Math.ceil(elapsedMs / flushMs) + 1;
  const met = `${writes} write${writes === 1 ? '' : 's'} ≤ ${allowed}`;
  return {
    ...{ id: '3', case: `Writes caused by reads: ${label}`, ops: opsPerSec },
    target: '≤ 1 write / flush interval',
    status: writes
      ? status(writes <= allowed, `${writes} writes > ${allowed}`, met)
      : 'ERROR (no last-used write seen: no flush, or the counter missed it)',
  };
}
const count = n => n.toLocaleString('en-US');
/** Case 4: one query; 10,000 on SQLite under 150 ms; linear growth. */
function listRow(db, n, list, smaller) {
  const { p50 } = list.stats;
  const perItemUs = p50 / list.items;
  const growth = smaller ? perItemUs / (smaller.stats.p50 / smaller.items) : 1;
  const budget = db === 'SQLite' && n === 10_000;
  const missed = [
    budget && p50 >= 150e3 && `${(p50 / 150e3).toFixed(2)}× the 150 ms budget`,
    list.queriesMax !== 1 && `${list.queriesMax} queries`,
    growth > 1.5 && `${growth.toFixed(1)}× the smaller list's per-item cost`,
  ].filter(Boolean);
  const floorName =
    'bare GET + 1 knex select of stored metadata + JSON.stringify';
  return {
    ...{ id: '4', ...timed(list.stats, list.floor, floorName) },
    case: `List GET /secrets, ${count(n)} registered (half stored)`,
    target: budget ? '< 150 ms, 1 query' : 'linear, 1 query',
    status: status(!missed.length, missed.join(', '), !budget && '1 query'),
  };
}
/** Case 9: the root config with app-config secrets; a change's delay. */
function appConfigRows({ s0, o0, s50, o50, intervalMs, delays }) {
  const [over, late] = [o50 - s50, delays.max - intervalMs * 1000];
  const row = (n, p50, floor, target = info.target, ok, miss) => ({
    ...{ id: '9', p50, floor, floorName: 'the stock root config', target },
    ...{ case: `Root config, ${n} app-config secrets (schema loaded)` },
    ...{ ratio: p50 / floor, status: miss ? status(ok, miss, miss) : 'info' },
  });
  return [
    row(0, o0, s0),
    row(50, o50, s50, '< 200 ms over stock', over < 2e5, `+${dur(over)}`),
    {
      ...{ id: '9', p50: delays.p50, p99: delays.max, p99Label: 'max' },
      case: `PUT → config subscriber (reloadInterval ${intervalMs} ms)`,
      target: 'max ≤ interval + 50 ms',
      status: status(late <= 50e3, `${dur(late)} late`),
    },
  ];
}
/** Cases 1-5 (and 9) on one database. */
function dbRows(db, { cold, warm, rw, flush, lists, set, appConfig }) {
  const { elapsedMs, reads } = rw.uncached;
  const [cached, uncached] = [rw.cached, rw.uncached].map((r, i) =>
    writesRow(
      i ? 'every read reaching the backend (cache off)' : WRITES_CACHED,
      r,
      rw.flushIntervalMs,
      i ? (reads / elapsedMs) * 1000 : undefined,
    ),
  );
  const cold1 = [cold.cold, cold.floor, COLD_FLOOR];
  const warm1 = [warm.warm, warm.floor, 'config.getOptionalString'];
  const setFloor = 'bare GET + knex select + AES-GCM encrypt + knex UPDATE';
  return [
    ratioRow('1', 'Cold read via secretsServiceRef (cache off)', cold1, 1.5),
    ratioRow('2', WARM, warm1, 3),
    ...[cached, uncached],
    {
      id: '3',
      case: `Cost of one last-used flush after ${flush.distinct} different secrets were read`,
      ...{ p50: flush.flushMs * 1000, floor: flush.transactionMs * 1000 },
      floorName: 'the same row updates in one transaction',
      ...{ ratio: flush.flushMs / flush.transactionMs, ...info },
    },
    ...Object.entries(lists).map(([n, list], i, all) =>
      listRow(db, Number(n), list, all[i - 1]?.[1]),
    ),
    {
      ...{ id: '5', case: 'Set PUT /secrets/:name (encrypt + write + audit)' },
      ...timed(set.stats, set.floor, setFloor),
      ...info,
    },
    ...(appConfig ? appConfigRows(appConfig) : []),
  ].map(row => ({ db, ...row }));
}
const WRITES_CACHED = '10,000 reads of one secret in ~1 s (default client)';
const COLD_FLOOR = 'bare GET + knex select + AES-GCM decrypt';
const WARM = 'Warm read via secretsServiceRef (default client, cached)';

/** Case 6: propagation with events, a hot secret, the fallback. */
function propagationRows({ events, hot, fallback, set, cold }, plan) {
  const trials = p => ({ p50: p.p50, p99: p.max, p99Label: 'max' });
  const verdict = (p, ok, met) =>
    p.timeouts
      ? `MISSED (${p.timeouts} of ${p.trials} not seen within ${plan.propagation.timeoutMs} ms)`
      : status(ok, met);
  const floor = set.stats.p50 + cold.cold.p50;
  const allowed = Math.ceil(hot.durationMs / hot.maxStalenessMs);
  const [p50, max, down] = [events.p50, events.max, fallback.max].map(us =>
    Math.round(us / 1000),
  );
  const staleness = hot.maxStalenessMs / 1000;
  return [
    {
      case: 'Propagation with events: PUT on instance A → consumer on instance B sees it',
      ...{ ...trials(events), floor, ratio: events.p50 / floor },
      floorName: 'PUT p50 + cold read p50 (what no cache would cost)',
      target: 'p50 < 50 ms, max < 250 ms',
      status: verdict(
        events,
        p50 < 50 && max < 250,
        `p50 ${p50}, max ${max} ms`,
      ),
    },
    {
      case: `Hot secret on instance B: reads reaching the backend (maxStaleness ${staleness} s)`,
      target: '≤ 1 per maxStaleness per replica',
      status: status(
        hot.backendReads <= allowed,
        `${hot.backendReads} > ${allowed}`,
        `${hot.backendReads} ≤ ${allowed}`,
      ),
    },
    {
      case: 'Propagation with the event bus down (fallback to the 500 ms window)',
      ...{ ...trials(fallback), target: 'max < 1000 ms' },
      status: verdict(fallback, down < 1000, `max ${down} ms`),
    },
  ].map(row => ({ id: '6', db: 'PostgreSQL', ...row }));
}
/** Case 7: the medians of fresh processes without and with the secrets. */
function memoryRow({ none, full }) {
  const growth = MiB(median(full) - median(none));
  const [over, mib] = [(growth / 50).toFixed(2), growth.toFixed(1)];
  return {
    ...{ id: '7', db: 'SQLite', target: '< 50 MiB growth' },
    case: 'Memory: RSS after GC, 10,000 secrets vs none',
    status: status(growth < 50, `${over}× the budget`, `${mib} MiB`),
  };
}
/** Case 8: the page in Chromium (durations in ms). */
function pageRow(runsMs) {
  const [p50, max] = [median(runsMs) * 1000, Math.max(...runsMs) * 1000];
  const budget = `${(p50 / 1e6).toFixed(2)}× the budget`;
  return {
    ...{ id: '8', db: 'SQLite', p50, p99: max, p99Label: 'max' },
    case: `Manage secrets page in Chromium: 1,004 secrets rendered (median of ${runsMs.length} runs)`,
    ...{ target: 'median < 1 s', status: status(p50 < 1e6, budget) },
  };
}
/** Every row of the results table, in order. */
export function buildRows(results) {
  const { sqlite, postgres, plan } = results;
  const rows = dbRows('SQLite', sqlite);
  if (postgres) {
    rows.push(...dbRows('PostgreSQL', postgres));
    rows.push(...propagationRows(postgres, plan));
  } else {
    rows.push({
      ...{ id: '6', db: 'PostgreSQL', target: 'p50 < 50 ms, max < 250 ms' },
      case: 'Propagation: PUT on instance A → consumer on instance B sees it',
      status: `SKIPPED (${results.pg.reason})`,
    });
  }
  rows.push(memoryRow(results.memory), pageRow(results.renderMs));
  if (results.entity) rows.push(...entityRows(results.entity));
  return results.kms ? [...rows, ...kmsRows(results)] : rows;
}
/** Case 11: entity-owned secrets (10,000 entity values stored). */
function entityRows({ warm, shared, entityList, adminList }) {
  const what = 'Entity-owned secrets:';
  const shown = (name, stats) => ({ case: `${what} ${name}`, p50: stats.p50 });
  return [
    ratioRow(
      '11',
      `${what} warm read`,
      [warm, shared, 'a shared warm read'],
      1.5,
    ),
    { ...shown("an entity's list", entityList), ...info },
    { ...shown('admin list, 10,000 entity values', adminList), ...info },
  ].map(row => ({ db: 'SQLite', ...row, id: '11' }));
}
/** Case 10: envelope encryption, a key provider 2 ms away, vs `local`. */
function kmsRows({ kms, sqlite: local }) {
  const what = 'Envelope encryption, key provider 2 ms away:';
  // `local`'s ratio to its floor, on the floor of this run (same load)
  const vs = c => [kms[c][c], { p50: kms[c].floor.p50 * ratio(local[c], c) }];
  const ratio = (r, c) => r[c].p50 / r.floor.p50;
  const { rows, ms } = kms.rewrap;
  return [
    ratioRow('10', `${what} warm read`, [...vs('warm'), SCALED], 1.1),
    ratioRow('10', `${what} cold read`, [...vs('cold'), SCALED], 1.1),
    { case: `${what} PUT`, ...timed(kms.set.stats, local.set.stats), ...info },
    { case: `${what} re-wrap of ${count(rows)} rows`, p50: ms * 1e3, ...info },
  ].map(row => ({ id: '10', db: 'SQLite', ...row }));
}
const SCALED = '`local` (its ratio to its floor × this floor)';
const HEADERS = '#|case|db|ops/s|p50|p99|floor (p50)|ratio|target|result'.split(
  '|',
);
/** One row as table cells; `markdown` names the floor and bolds misses. */
const cells = (r, markdown) => [
  ...[r.id, r.case, r.db, ops(r.ops), dur(r.p50)],
  missing(r.p99) ? '—' : `${dur(r.p99)}${r.p99Label ? ` (max)` : ''}`,
  `${dur(r.floor)}${markdown && r.floorName ? `: ${r.floorName}` : ''}`,
  ...[missing(r.ratio) ? '—' : `${r.ratio.toFixed(2)}×`, r.target],
  markdown && /^(MISSED|ERROR)/.test(r.status) ? `**${r.status}**` : r.status,
];
// A markdown table, aligned by prettier (in the console too).
const prettier = createRequire(import.meta.url)('prettier');
const markdown = text =>
  prettier.format(text, {
    ...prettier.resolveConfig.sync(DOC),
    parser: 'markdown',
  });
const table = (headers, rows) =>
  [headers, headers.map(() => '---'), ...rows]
    .map(c => `| ${c.map(v => String(v).replace(/\|/g, '\\|')).join(' | ')} |`)
    .join('\n');

// Prints the table; rewrites the tables of docs/benchmarks.md if `docs`.
export function render(results, { docs = true } = {}) {
  const rows = buildRows(results);
  const plain = rows.map(r => cells(r));
  console.log(markdown(table(HEADERS, plain)));
  if (!docs) return undefined;
  const { machine: m, pg } = results;
  const run = [
    ['CPUs', m.nproc],
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
  const marked = rows.map(r => cells(r, true));
  const tables = ['## Machine and run', table(['', ''], run), '## Results'];
  tables.push(table(HEADERS, marked));
  const [head, rest] = fs.readFileSync(DOC, 'utf8').split(START);
  const tail = rest?.split(END)[1];
  if (tail === undefined) throw new Error(`${DOC}: no ${START} … ${END}`);
  fs.writeFileSync(
    DOC,
    markdown([head + START, ...tables, END + tail].join('\n\n')),
  );
  return DOC;
}
if (process.argv[1] === import.meta.filename) {
  const file = path.join(os.tmpdir(), 'secrets-bench-results.json');
  render(JSON.parse(fs.readFileSync(process.argv[2] ?? file, 'utf8')));
}
