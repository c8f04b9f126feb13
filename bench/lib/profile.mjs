// Summarises a V8 CPU profile (written by node --cpu-prof): self time and
// inclusive time per function, and self time per package, restricted to a
// time window (the measured loop) when the profile's clock covers it.
import fs from 'node:fs';
import path from 'node:path';

function category(url) {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:'))
    return 'node core (' + url.slice(5).split('/')[0] + ')';
  const file = url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = file.slice(nm + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const m = file.match(/\/(plugins|packages|bench)\/([^/]+)\//);
  if (m) return `${m[1]}/${m[2]}`;
  return path.basename(file);
}

function shortUrl(url) {
  if (!url) return '';
  const file = url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) return file.slice(nm + 14);
  const m = file.match(/\/((plugins|packages|bench)\/.*)$/);
  return m ? m[1] : file;
}

/**
 * A .cpuprofile read for sampling: nodes by id, each node's parent, sample
 * timestamps (µs, V8 monotonic clock = process.hrtime / 1000 on Linux), the
 * sample's weight, and whether sample i falls in the given hrtime windows
 * (every sample when no window covers any).
 */
function loadSamples(file, window) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map(n => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) {
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const times = [];
  let t = profile.startTime;
  for (const d of profile.timeDeltas) {
    t += d;
    times.push(t);
  }
  const windows = (
    window.windows ?? (window.startNs ? [[window.startNs, window.endNs]] : [])
  ).map(([a, b]) => [Number(BigInt(a) / 1000n), Number(BigInt(b) / 1000n)]);
  const within = i => windows.some(([a, b]) => times[i] >= a && times[i] <= b);
  const windowed = windows.length > 0 && times.some((_, i) => within(i));
  return {
    profile,
    byId,
    parent,
    times,
    windowed,
    inWindow: i => !windowed || within(i),
    weight: i =>
      Math.max(
        0,
        i + 1 < times.length
          ? times[i + 1] - times[i]
          : profile.timeDeltas[i] ?? 0,
      ),
  };
}

/**
 * @param {string} file a .cpuprofile
 * @param {{ startNs?: string, endNs?: string, windows?: Array<[string,string]> }} window hrtime (ns) bounds
 */
export function summarizeProfile(file, window = {}, top = 15) {
  const {
    profile,
    byId,
    parent,
    windowed,
    inWindow,
    weight: weightOf,
  } = loadSamples(file, window);
  const self = new Map();
  const incl = new Map();
  const cats = new Map();
  const meta = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    if (!inWindow(i)) continue;
    const weight = weightOf(i);
    total += weight;
    let id = profile.samples[i];
    const leaf = byId.get(id);
    const key = n =>
      `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(
        n.callFrame.url,
      )}:${n.callFrame.lineNumber + 1}`;
    const leafKey = key(leaf);
    meta.set(leafKey, leaf.callFrame);
    self.set(leafKey, (self.get(leafKey) ?? 0) + weight);
    const cat = leaf.callFrame.url
      ? category(leaf.callFrame.url)
      : leaf.callFrame.functionName.startsWith('(')
      ? leaf.callFrame.functionName
      : '(native / V8)';
    cats.set(cat, (cats.get(cat) ?? 0) + weight);
    const seen = new Set();
    while (id !== undefined) {
      const n = byId.get(id);
      const k = key(n);
      if (!seen.has(k)) {
        seen.add(k);
        incl.set(k, (incl.get(k) ?? 0) + weight);
      }
      id = parent.get(id);
    }
  }
  const pct = v => (total > 0 ? (100 * v) / total : 0);
  const sortDesc = m => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return {
    file,
    windowed,
    totalMs: total / 1000,
    topSelf: sortDesc(self)
      .slice(0, top)
      .map(([fn, us]) => ({ fn, ms: us / 1000, pct: pct(us) })),
    byPackage: sortDesc(cats)
      .slice(0, top)
      .map(([pkg, us]) => ({ pkg, ms: us / 1000, pct: pct(us) })),
    inclusive: sortDesc(incl).map(([fn, us]) => ({
      fn,
      ms: us / 1000,
      pct: pct(us),
    })),
  };
}

/**
 * Splits the profile's time into named buckets: each sample goes to the
 * first bucket whose pattern matches a frame, walking from the leaf up (the
 * innermost matching frame wins), else to "other".
 * @param {Array<{ name: string, match: RegExp }>} buckets matched against "function url:line"
 */
export function bucketProfile(file, window = {}, buckets) {
  const { profile, byId, parent, windowed, inWindow, weight } = loadSamples(
    file,
    window,
  );
  const keyOf = new Map();
  const frameKey = n => {
    let k = keyOf.get(n.id);
    if (k === undefined) {
      k = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url}:${
        n.callFrame.lineNumber + 1
      }`;
      keyOf.set(n.id, k);
    }
    return k;
  };
  const totals = new Map(buckets.map(b => [b.name, 0]));
  totals.set('other', 0);
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    if (!inWindow(i)) continue;
    total += weight(i);
    let id = profile.samples[i];
    let assigned = 'other';
    outer: while (id !== undefined) {
      const k = frameKey(byId.get(id));
      for (const b of buckets) {
        if (b.match.test(k)) {
          assigned = b.name;
          break outer;
        }
      }
      id = parent.get(id);
    }
    totals.set(assigned, totals.get(assigned) + weight(i));
  }
  return {
    windowed,
    totalMs: total / 1000,
    buckets: [...totals.entries()]
      .map(([name, us]) => ({
        name,
        ms: us / 1000,
        pct: total > 0 ? (100 * us) / total : 0,
      }))
      .sort((a, b) => b.pct - a.pct),
  };
}

/** Per-operation time of each bucket in the case and in its floor. */
export function compareSplits(p) {
  const reads = p.window.reads;
  const floorOps = p.window.floorReads;
  const floorBy = new Map(p.floorSplit.buckets.map(b => [b.name, b.ms]));
  return p.split.buckets
    .map(b => {
      const cold = (b.ms * 1000) / reads;
      const floor = ((floorBy.get(b.name) ?? 0) * 1000) / floorOps;
      return { name: b.name, cold, floor, extra: cold - floor };
    })
    .sort((a, b) => b.extra - a.extra);
}
