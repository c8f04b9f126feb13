// Browser tests of the demo app, self-contained: `node scripts/e2e.mjs` from
// the repository root with Node.js 22 or 24 (scripts/test.sh runs it). It
//   1. makes sure Debian's Chromium is at /usr/bin/chromium (installs it),
//   2. builds the frontend once (packages/app/dist, served by the backend),
//   3. starts demo backends with a throw-away encryption key and fresh SQLite
//      databases, each with the demo's fake PagerDuty one port above its own:
//      "admin" on :7007 (the guest is user:default/guest, an admin), "user"
//      on :7017 (the guest is user:default/bob, no manage-secrets) and "perf"
//      on :7027 (the guest admin, 1,000 synthetic secrets, 50 extra catalog
//      users, values for half of the secrets stored beforehand as those users
//      by scripts/e2e/seedPerfSecrets.ts),
//   4. runs the tests in packages/app/e2e-tests/ (playwright-core driving that
//      Chromium, node:test as the runner) and writes test-results/e2e.json
//      ({ passed, failed }) for scripts/test-summary.mjs,
//   5. stops every backend, even on failure. Exits non-zero on any failure.
//
// Tests write screenshots for a person to look at into test-results/ only.
// `node scripts/e2e.mjs --screenshots` starts "admin" and "user" and, instead
// of the tests, makes the pictures of docs/images/ (scripts/e2e/screenshots.mjs).
// `yarn bench` starts the "perf" backend through startBackends() below.
//
// Environment (all optional): E2E_PORT_ADMIN, E2E_PORT_USER, E2E_PORT_PERF
// move the backends (e.g. beside another run); E2E_FILTER runs only the test
// files whose name contains it.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import {
  CHROMIUM,
  PERF_SECRETS,
  PERF_USERS,
} from '../packages/app/e2e-tests/helpers.mjs';

export const ROOT = resolve(import.meta.dirname, '..');
export const NODE_TRANSFORM = join(
  ROOT,
  'node_modules/@backstage/cli-node/config/nodeTransform.cjs',
);
const YARN = join(ROOT, '.yarn/releases/yarn-4.13.0.cjs');
const RESULTS_DIR = join(ROOT, 'test-results');
const TESTS_DIR = join(ROOT, 'packages/app/e2e-tests');
const READY_TIMEOUT_MS = 3 * 60 * 1000;

const STARTED = Date.now();
const log = message =>
  console.error(
    `\x1b[1;34m[e2e +${Math.round(
      (Date.now() - STARTED) / 1000,
    )}s]\x1b[0m ${message}`,
  );
class E2eFailure extends Error {}
const fail = message => {
  throw new E2eFailure(message);
};
const sleep = ms => new Promise(done => setTimeout(done, ms));

// ── 1. Chromium, 2. the frontend ────────────────────────────────────────────

export function ensureChromium() {
  if (fs.existsSync(CHROMIUM)) return;
  log(`${CHROMIUM} is missing: installing Debian's chromium package`);
  const command =
    'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium';
  const asRoot = process.getuid?.() === 0;
  const result = asRoot
    ? spawnSync('sh', ['-c', command], { stdio: 'inherit' })
    : spawnSync('sudo', ['-n', 'sh', '-c', command], { stdio: 'inherit' });
  if (result.status !== 0 || !fs.existsSync(CHROMIUM)) {
    const how = result.error?.message ?? `exited ${result.status}`;
    fail(
      `Could not install Chromium (${command}: ${how}). The browser tests need Debian's chromium package at ${CHROMIUM}; install it and run again.`,
    );
  }
}

export function buildFrontend() {
  log('Building the frontend (packages/app/dist)');
  const { status } = spawnSync(
    process.execPath,
    [YARN, 'workspace', 'app', 'build'],
    {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  if (status !== 0) fail(`The frontend build failed (exit ${status})`);
}

// ── 3. Backends ─────────────────────────────────────────────────────────────

const INSTANCES = {
  admin: { port: 7007, userEntityRef: 'user:default/guest' },
  user: { port: 7017, userEntityRef: 'user:default/bob' },
  perf: { port: 7027, userEntityRef: 'user:default/guest' },
};

function portOf(name) {
  const variable = `E2E_PORT_${name.toUpperCase()}`;
  const value = process.env[variable];
  if (!value) return INSTANCES[name].port;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail(`${variable}=${value} is not a port number`);
  }
  return port;
}

export const portInUse = port =>
  new Promise(done => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });

// The perf instance's extras: its 50 users as a catalog file (JSON documents
// are YAML documents), and values for every other synthetic secret, set as
// those users through the plugin's own code (see seedPerfSecrets.ts for why).
function preparePerf(dir, databaseDir, encryptionKey) {
  const usersFile = join(dir, 'perf-users.yaml');
  const users = PERF_USERS.map(({ name, displayName }) => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name },
    spec: {
      profile: { displayName, email: `${name}@example.com` },
      memberOf: ['developers'],
    },
  }));
  const documents = users.map(user => JSON.stringify(user)).join('\n---\n');
  fs.writeFileSync(usersFile, `---\n${documents}\n`);
  const result = spawnSync(
    process.execPath,
    ['--require', NODE_TRANSFORM, join(ROOT, 'scripts/e2e/seedPerfSecrets.ts')],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        E2E_SEED_DIRECTORY: databaseDir,
        E2E_SEED_COUNT: String(PERF_SECRETS),
        E2E_SEED_USERS: PERF_USERS.map(user => user.ref).join(','),
        E2E_SEED_KEY_ID: 'e2e',
        E2E_SEED_KEY: encryptionKey,
      },
    },
  );
  if (result.status !== 0) {
    fail(
      `Seeding the perf backend's secrets failed (exit ${result.status}):\n${result.stderr}${result.stdout}`,
    );
  }
  const seeded = JSON.parse(result.stdout.trim().split('\n').pop());
  log(
    `Seeded the perf backend: ${seeded.stored} of ${seeded.registered} synthetic secrets stored, set by ${seeded.users} catalog users`,
  );
  return {
    demo: { syntheticSecrets: { count: PERF_SECRETS } },
    // Replaces app-config.yaml's list, so its two locations come again
    // (absolute: relative targets resolve against packages/backend).
    catalog: {
      locations: [
        join(ROOT, 'examples/org.yaml'),
        join(ROOT, 'catalog-info.yaml'),
        usersFile,
      ].map(target => ({ type: 'file', target })),
    },
  };
}

// JSON is YAML, so the config needs no YAML library.
function writeConfig(dir, instance, encryptionKey) {
  const url = `http://localhost:${instance.port}`;
  const databaseDir = join(dir, `${instance.name}-sqlite`);
  fs.mkdirSync(databaseDir);
  const fakePagerDuty = instance.port + 1;
  const config = {
    app: { baseUrl: url },
    backend: {
      baseUrl: url,
      listen: { port: instance.port },
      cors: { origin: url },
      database: {
        client: 'better-sqlite3',
        connection: { directory: databaseDir },
      },
    },
    auth: { providers: { guest: { userEntityRef: instance.userEntityRef } } },
    secrets: {
      encryption: { keys: [{ id: 'e2e', secret: encryptionKey }] },
      // The demo's proxy endpoint, to this instance's fake PagerDuty.
      proxy: {
        endpoints: {
          '/pagerduty-demo': { target: `http://127.0.0.1:${fakePagerDuty}` },
        },
      },
    },
    demo: { fakePagerDuty: { port: fakePagerDuty } },
  };
  if (instance.name === 'admin') {
    // For manage-secrets.history.admin.test.mjs and the screenshots: a value
    // of GOOGLE_SERVICE_ACCOUNT_JSON is overdue a second after it is set, one
    // of OPENAI_API_KEY due soon (within 7 days) at once. Strings, like
    // app-config.yaml's: the config layers must agree on type.
    config.secrets.rotation = {
      GOOGLE_SERVICE_ACCOUNT_JSON: '1 second',
      OPENAI_API_KEY: '3 days',
    };
  }
  if (instance.name === 'perf') {
    const { demo, catalog } = preparePerf(dir, databaseDir, encryptionKey);
    Object.assign(config.demo, demo);
    config.catalog = catalog;
  }
  const path = join(dir, `${instance.name}.yaml`);
  fs.writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
  return path;
}

function startBackend(dir, instance, encryptionKey) {
  const configPath = writeConfig(dir, instance, encryptionKey);
  const logPath = join(dir, `${instance.name}.log`);
  const out = fs.openSync(logPath, 'w');
  // No pinned values from the environment running the tests.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith('BACKSTAGE_SECRETS_'),
    ),
  );
  const child = spawn(
    process.execPath,
    [YARN, 'workspace', 'backend', 'start'].concat([
      '--config',
      '../../app-config.yaml',
      '--config',
      configPath,
    ]),
    {
      cwd: ROOT,
      // Its own process group, so that stopping it stops its children too.
      detached: true,
      stdio: ['ignore', out, out],
      env: {
        ...env,
        // The guest provider only works in development.
        NODE_ENV: 'development',
        // The backend must run on this Node.js, not an older default.
        PATH: `${dirname(process.execPath)}:${env.PATH ?? ''}`,
      },
    },
  );
  fs.closeSync(out);
  return {
    ...instance,
    child,
    logPath,
    url: `http://localhost:${instance.port}`,
  };
}

const running = backend =>
  backend.child.exitCode === null && backend.child.signalCode === null;

function signal(backend, name) {
  try {
    process.kill(-backend.child.pid, name);
  } catch {
    // already gone
  }
}

export function logTail(backend, lines = 60) {
  try {
    return fs
      .readFileSync(backend.logPath, 'utf8')
      .split('\n')
      .slice(-lines)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitForReady(backend) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const lastLines = () => `Last lines of its log:\n${logTail(backend)}`;
  while (Date.now() < deadline) {
    if (backend.child.exitCode !== null) {
      fail(
        `The ${backend.name} backend exited (code ${
          backend.child.exitCode
        }) before it was ready. ${lastLines()}`,
      );
    }
    try {
      const health = `${backend.url}/.backstage/health/v1/readiness`;
      if ((await fetch(health)).status === 200) {
        // The page needs the secrets REST API; without it every test would
        // fail with a confusing timeout.
        const list = await fetch(`${backend.url}/api/secrets/secrets`);
        if (list.status === 404) {
          fail(
            `${backend.url}/api/secrets/secrets answers 404: the secrets backend plugin is not installed in packages/backend.`,
          );
        }
        return;
      }
    } catch (error) {
      if (error instanceof E2eFailure) throw error;
      // not listening yet
    }
    await sleep(1000);
  }
  fail(
    `The ${backend.name} backend on ${backend.url} was not ready after ${
      READY_TIMEOUT_MS / 1000
    } s. ${lastLines()}`,
  );
}

/**
 * Starts the named demo backends (see the top of this file) with their
 * fake PagerDuty and waits until they serve the secrets API. `stop()` stops
 * them (also done when the process exits) and removes their files.
 */
export async function startBackends(names) {
  const instances = names.map(name => ({
    name,
    ...INSTANCES[name],
    port: portOf(name),
  }));
  for (const port of instances.flatMap(i => [i.port, i.port + 1])) {
    if (await portInUse(port)) {
      fail(
        `Port ${port} is in use; the browser tests start their own backends (and their fake PagerDuty one port above) there. Stop whatever listens on it (e.g. scripts/start.sh) and run again.`,
      );
    }
  }
  const dir = fs.mkdtempSync(join(tmpdir(), 'backstage-secrets-e2e-'));
  // Generated for this run only, and never written into the repository.
  const encryptionKey = randomBytes(32).toString('base64url');
  const backends = [];
  const kill = () =>
    backends.filter(running).forEach(b => signal(b, 'SIGTERM'));
  process.once('exit', kill);
  const stop = async () => {
    kill();
    const deadline = Date.now() + 15_000;
    for (const backend of backends) {
      while (running(backend) && Date.now() < deadline) await sleep(200);
      signal(backend, 'SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const instance of instances) {
      backends.push(startBackend(dir, instance, encryptionKey));
    }
    const list = backends.map(
      b => `${b.name} on ${b.url} (guest = ${b.userEntityRef})`,
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

// ── 4. Tests ────────────────────────────────────────────────────────────────

async function runTests(url) {
  const filter = process.env.E2E_FILTER ?? '';
  const files = fs
    .readdirSync(TESTS_DIR)
    .filter(file => file.endsWith('.test.mjs') && file.includes(filter))
    .sort()
    .map(file => join(TESTS_DIR, file));
  if (files.length === 0) fail(`No browser tests found in ${TESTS_DIR}`);
  Object.assign(process.env, {
    E2E_ADMIN_URL: url('admin'),
    E2E_USER_URL: url('user'),
    E2E_PERF_URL: url('perf'),
    E2E_RESULTS_DIR: RESULTS_DIR,
  });
  let passed = 0;
  let failed = 0;
  const stream = run({ files, concurrency: 1, timeout: 5 * 60 * 1000 });
  // Counts tests, not the suites around them; a file that cannot even load
  // is reported as a failed test and counts too.
  stream.on('test:pass', event => {
    if (event.details?.type !== 'suite' && !event.skip && !event.todo) {
      passed += 1;
    }
  });
  stream.on('test:fail', event => {
    if (event.details?.type !== 'suite') failed += 1;
  });
  await new Promise((done, reject) => {
    const reporter = stream.compose(spec);
    reporter.pipe(process.stdout);
    reporter.on('end', done);
    reporter.on('error', reject);
  });
  return { passed, failed };
}

// ── main ────────────────────────────────────────────────────────────────────

function writeSummary(result) {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'e2e.json');
  fs.writeFileSync(file, `${JSON.stringify(result)}\n`);
}

async function main() {
  const screenshots = process.argv.includes('--screenshots');
  // A run that dies early still reports a failure, not the previous counts.
  if (!screenshots) writeSummary({ passed: 0, failed: 1 });
  ensureChromium();
  buildFrontend();
  for (const signalName of ['SIGINT', 'SIGTERM']) {
    process.once(signalName, () =>
      process.exit(signalName === 'SIGINT' ? 130 : 143),
    );
  }
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
      log(`Wrote the screenshots into ${outDir}`);
      return;
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
    console.error(
      error instanceof E2eFailure
        ? `\x1b[1;31m[e2e] ${error.message}\x1b[0m`
        : error,
    );
    process.exitCode = 1;
  });
}
