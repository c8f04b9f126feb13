// Number formatting and plain-text / markdown tables.

export function fmtDuration(us) {
  if (us === undefined || us === null || Number.isNaN(us)) return '—';
  if (us < 0) return `−${fmtDuration(-us)}`;
  if (us < 1) return `${(us * 1000).toFixed(0)} ns`;
  if (us < 1000) return `${us < 10 ? us.toFixed(2) : us.toFixed(0)} µs`;
  if (us < 1e6) return `${(us / 1000).toFixed(us < 1e4 ? 2 : 1)} ms`;
  return `${(us / 1e6).toFixed(2)} s`;
}

export function fmtOps(ops) {
  if (ops === undefined || ops === null || Number.isNaN(ops)) return '—';
  if (ops >= 1e6) return `${(ops / 1e6).toFixed(2)} M`;
  if (ops >= 1e4) return `${(ops / 1e3).toFixed(0)} k`;
  if (ops >= 100) return ops.toFixed(0);
  return ops.toFixed(1);
}

export function fmtBytes(bytes) {
  if (bytes === undefined || Number.isNaN(bytes)) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function fmtRatio(r) {
  if (r === undefined || r === null || Number.isNaN(r)) return '—';
  return `${r.toFixed(2)}×`;
}

export function textTable(headers, rows) {
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map(r => String(r[i] ?? '').length)),
  );
  const line = cells =>
    cells.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ');
  return [
    line(headers),
    widths.map(w => '-'.repeat(w)).join('  '),
    ...rows.map(line),
  ].join('\n');
}

export function markdownTable(headers, rows) {
  const esc = v => String(v ?? '').replace(/\|/g, '\\|');
  return [
    `| ${headers.map(esc).join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map(r => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** The columns of the results table (text and markdown). */
export const RESULT_HEADERS = [
  '#',
  'case',
  'db',
  'ops/s',
  'p50',
  'p99',
  'floor (p50)',
  'ratio',
  'target',
  'result',
];

/** One result row as table cells; `markdown` names the floor and bolds misses. */
export function resultCells(r, { markdown = false } = {}) {
  let floor = fmtDuration(r.floor);
  if (markdown) {
    floor = r.floor !== undefined ? `${floor}: ${r.floorName}` : '—';
  }
  return [
    r.id,
    r.case,
    r.db,
    fmtOps(r.ops),
    fmtDuration(r.p50),
    r.p99 !== undefined
      ? `${fmtDuration(r.p99)}${r.p99Label ? ` (${r.p99Label})` : ''}`
      : '—',
    floor,
    fmtRatio(r.ratio),
    r.target,
    markdown && r.status.startsWith('MISSED') ? `**${r.status}**` : r.status,
  ];
}
