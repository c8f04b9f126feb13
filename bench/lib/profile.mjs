// CPU profiles (node --cpu-prof) of the hot paths: where the time inside
// the measured windows goes, split into named buckets, and the top self
// time per function.
import fs from 'node:fs';

// Each sample is charged to the innermost frame that matches a bucket
// (patterns are tested against "function url:line"). jose's sign/verify run
// from the microtask queue, so they are matched by file.
const JOSE = 'jose\\/dist\\/.*\\/';
const bucket = (name, match) => ({ name, match });
const TOKEN_ISSUE = bucket(
  'plugin token issue (client: auth.getPluginRequestToken → jose importJWK + SignJWT ES256)',
  new RegExp(
    `issueToken .*PluginTokenHandler|getPluginRequestToken|${JOSE}(jwt|jws\\/compact|jws\\/flattened|runtime)\\/sign\\.js|${JOSE}key\\/import\\.js|${JOSE}runtime\\/jwk_to_key\\.js`,
  ),
);
const TOKEN_VERIFY = bucket(
  'token verification (server: httpAuth.credentials → jose jwtVerify ES256)',
  new RegExp(
    `verifyToken .*(PluginTokenHandler|UserTokenHandler)|${JOSE}(jwt|jws\\/compact|jws\\/flattened|runtime)\\/verify\\.js|JwksClient|createLocalJWKSet|remote_jwks`,
  ),
);
const AUDITOR = bucket(
  'auditor events (createEvent/success → winston)',
  /DefaultAuditorService|auditorServiceFactory/,
);
const LOGGING = bucket(
  'logging (winston: access log)',
  /winston|logform|WinstonLogger|safe-stable-stringify/,
);
const KNEX = bucket(
  'knex + database driver',
  /\/knex\/|better-sqlite3|\/pg\/|pg-protocol|pg-pool|tarn/,
);
const HTTP_CLIENT = bucket(
  'HTTP client (undici fetch, resource timing)',
  /undici|node:internal\/perf\//,
);
const HTTP_SERVER = bucket(
  'HTTP server, express and middleware',
  /express|_http_|helmet|cors|compression|body-parser|raw-body|on-finished|finalhandler|rootHttpRouter|httpRouter|node:zlib/,
);
const CONFIG = bucket(
  'config + environment lookups (SecretsManager #pinOf)',
  /#pinOf|@backstage\/config\//,
);
const PLUGIN = bucket(
  'other secrets plugin code (router, manager, store, client)',
  /plugins\/secrets-(backend|node|common)\//,
);
const HARNESS = bucket(
  'benchmark harness (loop, query counter)',
  /\/bench\/(worker|measure|features)\.ts/,
);
const GC = bucket('garbage collector', /^\(garbage collector\)/);
const REST = [
  HARNESS,
  GC,
  bucket(
    'idle (waiting for I/O, e.g. the socket or zlib in the thread pool)',
    /^\(idle\)/,
  ),
  bucket('(program): V8/native outside JS', /^\(program\)/),
];

export const BUCKETS = {
  cold: [
    ...[TOKEN_ISSUE, TOKEN_VERIFY, AUDITOR, LOGGING, KNEX, HTTP_CLIENT],
    bucket('AES-256-GCM (SecretCipher)', /SecretCipher/),
    ...[CONFIG, HTTP_SERVER, PLUGIN, ...REST],
  ],
  list: [
    bucket(
      'permission backend + user info (authorize round trip)',
      /plugin-permission-backend|PermissionClient|UserInfo|userInfo|ServerPermissionClient/,
    ),
    ...[TOKEN_ISSUE, TOKEN_VERIFY, CONFIG],
    bucket(
      'JSON serialisation (res.json → JSON.stringify)',
      /stringify .*express\/lib\/response|^stringify /,
    ),
    bucket(
      'SecretsManager.list / #summarize / sort',
      /SecretsManager\.ts|localeCompare/,
    ),
    ...[KNEX, AUDITOR, LOGGING, HTTP_CLIENT, HTTP_SERVER, PLUGIN, ...REST],
  ],
  warm: [
    bucket(
      'DefaultSecretsClient (cache lookup, Date.now)',
      /DefaultSecretsClient/,
    ),
    bucket(
      '@backstage/config (the floor)',
      /@backstage\/config|ObservableConfigProxy|rootConfig/,
    ),
    HARNESS,
    bucket(
      'promise / microtask machinery',
      /runMicrotasks|processTicksAndRejections/,
    ),
    GC,
  ],
};

const shortUrl = url => {
  const file = (url ?? '').replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) return file.slice(nm + 14);
  return file.match(/\/((plugins|packages|bench)\/.*)$/)?.[1] ?? file;
};
const frame = (n, url) =>
  `${n.callFrame.functionName || '(anonymous)'} ${url}:${
    n.callFrame.lineNumber + 1
  }`;

/**
 * Splits the samples inside the hrtime `windows` ([startNs, endNs] pairs;
 * the whole profile when none covers a sample) into `buckets` (plus
 * "other"), and lists the top self time per function. V8 profile
 * timestamps and process.hrtime share the monotonic clock on Linux.
 */
export function analyzeProfile(file, windows, buckets, top = 12) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map(n => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) {
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const times = [];
  let t = profile.startTime;
  for (const d of profile.timeDeltas) times.push((t += d));
  const us = (windows ?? []).map(w => w.map(ns => Number(BigInt(ns) / 1000n)));
  const within = i => us.some(([a, b]) => times[i] >= a && times[i] <= b);
  const windowed = us.length > 0 && times.some((_, i) => within(i));
  const totals = new Map([...buckets.map(b => [b.name, 0]), ['other', 0]]);
  const self = new Map();
  let total = 0;
  profile.samples.forEach((leafId, i) => {
    if (windowed && !within(i)) return;
    const weight = Math.max(
      0,
      i + 1 < times.length
        ? times[i + 1] - times[i]
        : profile.timeDeltas[i] ?? 0,
    );
    total += weight;
    const leafKey = frame(
      byId.get(leafId),
      shortUrl(byId.get(leafId).callFrame.url),
    );
    self.set(leafKey, (self.get(leafKey) ?? 0) + weight);
    let assigned = 'other';
    for (let id = leafId; id !== undefined && assigned === 'other'; ) {
      const n = byId.get(id);
      const key = frame(n, n.callFrame.url);
      assigned = buckets.find(b => b.match.test(key))?.name ?? 'other';
      id = parent.get(id);
    }
    totals.set(assigned, totals.get(assigned) + weight);
  });
  const pct = v => (total > 0 ? (100 * v) / total : 0);
  const shares = map =>
    [...map.entries()]
      .map(([name, v]) => ({ name, ms: v / 1000, pct: pct(v) }))
      .sort((a, b) => b.pct - a.pct);
  return {
    windowed,
    totalMs: total / 1000,
    buckets: shares(totals),
    topSelf: shares(self)
      .slice(0, top)
      .map(({ name, ...rest }) => ({ fn: name, ...rest })),
  };
}
