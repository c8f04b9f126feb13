// Browser tests of the demo app (scripts/test.sh runs them): installs
// Debian's Chromium if missing, builds the frontend, starts the demo backends
// of INSTANCES below (throw-away key, fresh SQLite files, the fake PagerDuty
// one port above; the perf one with 1,000 synthetic secrets, half of them set
// by 50 catalog users) and runs packages/app/e2e-tests/*.test.mjs with
// node:test, writing test-results/e2e.json for scripts/test-summary.mjs.
// `--screenshots`: the pictures of docs/images/ instead of the tests (tests
// write screenshots into test-results/ only). `yarn bench` reuses the
// backends. E2E_PORT_ADMIN, E2E_PORT_USER, E2E_PORT_PERF move them;
// E2E_FILTER runs only the test files whose name contains it.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import * as helpers from '../packages/app/e2e-tests/helpers.mjs';

export const ROOT = resolve(import.meta.dirname, '..');
export const NODE_TRANSFORM = join(
  ROOT,
  'node_modules/@backstage/cli-node/config/nodeTransform.cjs',
);
const YARN = join(ROOT, '.yarn/releases/yarn-4.13.0.cjs');
const RESULTS_DIR = join(ROOT, 'test-results');
const { CHROMIUM, PERF_SECRETS, PERF_USERS } = helpers;
const STARTED = Date.now();
const log = message => {
  const seconds = Math.round((Date.now() - STARTED) / 1000);
  console.error(`\x1b[1;34m[e2e +${seconds}s]\x1b[0m ${message}`);
};
class E2eFailure extends Error {}
const fail = message => {
  throw new E2eFailure(message);
};
const sleep = ms => new Promise(done => setTimeout(done, ms));

export function ensureChromium() {
  if (fs.existsSync(CHROMIUM)) return;
  log(`${CHROMIUM} is missing: installing Debian's chromium package`);
  const command =
    'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium';
  const asRoot = process.getuid?.() === 0;
  const [cmd, ...args] = [...(asRoot ? [] : ['sudo', '-n']), 'sh', '-c'];
  const result = spawnSync(cmd, [...args, command], { stdio: 'inherit' });
  if (result.status !== 0 || !fs.existsSync(CHROMIUM)) {
    const how = result.error?.message ?? `exited ${result.status}`;
    fail(
      `Could not install Chromium (${command}: ${how}). The browser tests need Debian's chromium package at ${CHROMIUM}; install it and run again.`,
    );
  }
}
export function buildFrontend() {
  log('Building the frontend (packages/app/dist)');
  const env = { ...process.env, NODE_ENV: 'production' };
  const build = [YARN, 'workspace', 'app', 'build'];
  const { status } = spawnSync(process.execPath, build, {
    ...{ cwd: ROOT, stdio: 'inherit', env },
  });
  if (status !== 0) fail(`The frontend build failed (exit ${status})`);
}
const portInUse = port =>
  new Promise(done => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
/** The first port from `from` up, in steps of 10, free with the one above. */
export async function freePort(from) {
  let port = from;
  while ((await portInUse(port)) || (await portInUse(port + 1))) port += 10;
  return port;
}
const INSTANCES = {
  admin: { port: 7007, guest: 'user:default/guest' },
  user: { port: 7017, guest: 'user:default/bob' },
  perf: { port: 7027, guest: 'user:default/guest' },
};
// The perf instance's extras: its 50 users as a catalog file, and values
// for every other synthetic secret, set as those users through the plugin's
// own code (see seedPerfSecrets.ts for why).
function preparePerf(dir, databaseDir, key) {
  const users = PERF_USERS.map(({ name, displayName }) =>
    JSON.stringify({
      ...{ apiVersion: 'backstage.io/v1alpha1', kind: 'User' },
      metadata: { name },
      spec: {
        profile: { displayName, email: `${name}@example.com` },
        memberOf: ['developers'],
      },
    }),
  );
  fs.writeFileSync(join(dir, 'perf-users.yaml'), users.join('\n---\n'));
  const seed = join(ROOT, 'packages/app/e2e-tests/seedPerfSecrets.ts');
  const env = {
    E2E_SEED_DIRECTORY: databaseDir,
    E2E_SEED_COUNT: String(PERF_SECRETS),
    E2E_SEED_USERS: PERF_USERS.map(user => user.ref).join(','),
    ...{ E2E_SEED_KEY_ID: 'e2e', E2E_SEED_KEY: key },
  };
  const result = spawnSync(process.execPath, ['-r', NODE_TRANSFORM, seed], {
    ...{ cwd: ROOT, encoding: 'utf8' },
    env: { ...process.env, ...env },
  });
  if (result.status !== 0) {
    fail(
      `Seeding the perf backend's secrets failed (exit ${result.status}):\n${result.stderr}${result.stdout}`,
    );
  }
  // Replaces app-config.yaml's catalog locations, so its two come again
  // (absolute: relative targets resolve against packages/backend).
  const files = ['examples/org.yaml', 'catalog-info.yaml', 'perf-users.yaml'];
  const locations = files.map(file => ({
    type: 'file',
    target: file === files[2] ? join(dir, file) : join(ROOT, file),
  }));
  return { catalog: { locations }, synthetic: { count: PERF_SECRETS } };
}
/** Starts one demo backend with its own config (JSON is YAML) and log. */
function startBackend(dir, { name, port, guest }, key) {
  const url = `http://localhost:${port}`;
  const databaseDir = join(dir, `${name}-sqlite`);
  fs.mkdirSync(databaseDir);
  const perf = name === 'perf' ? preparePerf(dir, databaseDir, key) : {};
  const fakePagerDuty = `http://127.0.0.1:${port + 1}`;
  const config = {
    app: { baseUrl: url },
    backend: {
      ...{ baseUrl: url, listen: { port }, cors: { origin: url } },
      database: {
        client: 'better-sqlite3',
        connection: { directory: databaseDir },
      },
    },
    auth: { providers: { guest: { userEntityRef: guest } } },
    secrets: {
      encryption: { keys: [{ id: 'e2e', secret: key }] },
      // The demo's proxy endpoint, to this instance's fake PagerDuty.
      proxy: { endpoints: { '/pagerduty-demo': { target: fakePagerDuty } } },
      // On admin, for the history test and the screenshots: a value of
      // GOOGLE_SERVICE_ACCOUNT_JSON is overdue a second after it is set, one
      // of OPENAI_API_KEY due soon (within 7 days) at once.
      ...(name === 'admin' && {
        rotation: {
          GOOGLE_SERVICE_ACCOUNT_JSON: '1 second',
          OPENAI_API_KEY: '3 days',
        },
      }),
    },
    demo: {
      fakePagerDuty: { port: port + 1 },
      syntheticSecrets: perf.synthetic,
    },
    ...(perf.catalog && { catalog: perf.catalog }),
  };
  const yarn = [YARN, 'workspace', 'backend', 'start'];
  const args = [...yarn, '--config', '../../app-config.yaml'];
  // The guest provider only works in development.
  const env = { NODE_ENV: 'development' };
  return { ...spawnBackend({ name, dir, config, args, env }), guest };
}
export const spawned = new Set();
// Starts `node ARGS --config FILE` in its own process group (stopping it
// stops its children too) on this Node.js, with `config` in FILE (JSON is
// YAML), `env` over this process's environment without BACKSTAGE_SECRETS_*
// (no pinned values from it), and its output in a log. Every backend still
// running when this process exits is stopped.
export function spawnBackend({ name, dir, config, args, env }) {
  const configPath = join(dir, `${name}.yaml`);
  fs.writeFileSync(configPath, JSON.stringify(config), { mode: 0o600 });
  const logPath = join(dir, `${name}.log`);
  const out = fs.openSync(logPath, 'w');
  const inherited = Object.entries(process.env).filter(
    ([k]) => !k.startsWith('BACKSTAGE_SECRETS_'),
  );
  const PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
  const child = spawn(process.execPath, [...args, '--config', configPath], {
    ...{ cwd: ROOT, detached: true, stdio: ['ignore', out, out] },
    env: { ...Object.fromEntries(inherited), PATH, ...env },
  });
  fs.closeSync(out);
  const backend = { name, child, logPath, url: config.backend.baseUrl };
  spawned.add(backend);
  return backend;
}
process.once('exit', () =>
  [...spawned].filter(running).forEach(b => signal(b, 'SIGTERM')),
);

const running = ({ child }) => child.exitCode === null && !child.signalCode;
const signal = ({ child }, name) => {
  try {
    process.kill(-child.pid, name);
  } catch {
    // already gone
  }
};
/** SIGTERM, and SIGKILL to those still running after `graceMs`. */
export async function stopBackends(backends, graceMs = 15_000) {
  backends.filter(running).forEach(b => signal(b, 'SIGTERM'));
  const deadline = Date.now() + graceMs;
  for (const backend of backends) {
    while (running(backend) && Date.now() < deadline) await sleep(200);
    signal(backend, 'SIGKILL');
  }
}
export const logTail = ({ logPath }, lines = 60) =>
  fs.readFileSync(logPath, 'utf8').split('\n').slice(-lines).join('\n');

export async function waitForReady(backend) {
  const deadline = Date.now() + 3 * 60 * 1000;
  const logLines = () => `Last lines of its log:\n${logTail(backend)}`;
  while (Date.now() < deadline) {
    if (!running(backend)) {
      fail(
        `The ${backend.name} backend exited before it was ready. ${logLines()}`,
      );
    }
    const get = path => fetch(`${backend.url}${path}`).catch(() => ({}));
    if ((await get('/.backstage/health/v1/readiness')).status === 200) {
      // The page needs the secrets REST API; without it every test would
      // fail with a confusing timeout.
      if ((await get('/api/secrets/secrets')).status === 404) {
        fail(
          `${backend.url}/api/secrets/secrets answers 404: the secrets backend plugin is not installed in packages/backend.`,
        );
      }
      return;
    }
    await sleep(1000);
  }
  fail(
    `The ${backend.name} backend was not ready after 3 minutes. ${logLines()}`,
  );
}

// Starts the named demo backends (see the top of this file) and waits until
// they serve the secrets API. `stop()` stops them (also done when this
// process exits) and removes their files.
export async function startBackends(names) {
  const instances = names.map(name => {
    const value = process.env[`E2E_PORT_${name.toUpperCase()}`];
    const port = value ? Number(value) : INSTANCES[name].port;
    if (!(port > 0 && port < 65535))
      fail(`E2E_PORT_${name}=${value} is not a port`);
    return { name, ...INSTANCES[name], port };
  });
  for (const port of instances.flatMap(i => [i.port, i.port + 1])) {
    if (await portInUse(port)) {
      fail(
        `Port ${port} is in use; the browser tests start their own backends (and their fake PagerDuty one port above) there. Stop whatever listens on it (e.g. scripts/start.sh) and run again.`,
      );
    }
  }
  const dir = fs.mkdtempSync(join(tmpdir(), 'backstage-secrets-e2e-'));
  // Generated for this run only, and never written into the repository.
  const key = randomBytes(32).toString('base64url');
  const backends = [];
  const stop = async () => {
    await stopBackends(backends);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    instances.forEach(i => backends.push(startBackend(dir, i, key)));
    const list = backends.map(
      b => `${b.name} on ${b.url} (guest = ${b.guest})`,
    );
    log(`Starting the demo backends: ${list.join(', ')}`);
    await Promise.all(backends.map(waitForReady));
  } catch (error) {
    await stop();
    throw error;
  }
  const url = name => backends.find(b => b.name === name).url;
  return { backends, stop, url };
}

/** Runs the test files; counts tests (not suites; a file that fails to load counts). */
async function runTests(url) {
  const dir = join(ROOT, 'packages/app/e2e-tests');
  const files = fs
    .readdirSync(dir)
    .filter(
      f => f.endsWith('.test.mjs') && f.includes(process.env.E2E_FILTER ?? ''),
    )
    .map(f => join(dir, f))
    .sort();
  if (files.length === 0) fail(`No browser tests found in ${dir}`);
  Object.assign(process.env, {
    ...{ E2E_ADMIN_URL: url('admin'), E2E_USER_URL: url('user') },
    ...{ E2E_PERF_URL: url('perf'), E2E_RESULTS_DIR: RESULTS_DIR },
  });
  const result = { passed: 0, failed: 0 };
  const stream = run({ files, concurrency: 1, timeout: 5 * 60 * 1000 });
  const isTest = event => event.details?.type !== 'suite';
  stream.on('test:pass', event => {
    if (isTest(event) && !event.skip && !event.todo) result.passed += 1;
  });
  stream.on('test:fail', event => {
    if (isTest(event)) result.failed += 1;
  });
  const reporter = stream.compose(spec);
  reporter.pipe(process.stdout);
  await new Promise((done, reject) =>
    reporter.on('end', done).on('error', reject),
  );
  return result;
}

function writeSummary(result) {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(
    join(RESULTS_DIR, 'e2e.json'),
    `${JSON.stringify(result)}\n`,
  );
}

async function main() {
  const screenshots = process.argv.includes('--screenshots');
  // A run that dies early still reports a failure, not the previous counts.
  if (!screenshots) writeSummary({ passed: 0, failed: 1 });
  ensureChromium();
  buildFrontend();
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  const names = screenshots ? ['admin', 'user'] : ['admin', 'user', 'perf'];
  const { backends, stop, url } = await startBackends(names);
  try {
    if (screenshots) {
      const { takeScreenshots } = await import('./e2e/screenshots.mjs');
      const outDir = join(ROOT, 'docs/images');
      await takeScreenshots({
        adminUrl: url('admin'),
        userUrl: url('user'),
        outDir,
      });
      return log(`Wrote the screenshots into ${outDir}`);
    }
    log('Backends ready; running the browser tests');
    const result = await runTests(url);
    writeSummary(result);
    log(`browser: ${result.passed} passed, ${result.failed} failed`);
    if (result.failed > 0 || result.passed === 0) {
      for (const backend of backends) {
        console.error(`\n── last lines of the ${backend.name} backend log ──`);
        console.error(logTail(backend, 40));
      }
      process.exitCode = 1;
    }
  } finally {
    await stop();
    log('Done');
  }
}

if (process.argv[1] === import.meta.filename) {
  main().catch(error => {
    const failure = error instanceof E2eFailure;
    console.error(failure ? `\x1b[1;31m[e2e] ${error.message}\x1b[0m` : error);
    process.exitCode = 1;
  });
}
