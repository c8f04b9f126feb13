// Browser tests of the "Manage secrets" page, self-contained: run from the
// repository root with Node.js 24 (`node scripts/e2e.mjs`, as scripts/test.sh
// does). It
//
//   1. makes sure Debian's Chromium is at /usr/bin/chromium (installs it),
//   2. builds the frontend once (packages/app/dist, served by the backend),
//   3. starts three demo backends with a throw-away encryption key and
//      fresh SQLite databases: "admin" on :7007 signs the guest in as
//      user:default/guest (an admin), "user" on :7017 as user:default/bob
//      (no manage-secrets; my-secrets.user.test.mjs uses it for bob's own
//      per-user secret), and "perf" on :7027, the guest admin again, with
//      1,000 synthetic secrets (demo.syntheticSecrets.count), 50 extra
//      catalog users, and values for half of the secrets stored beforehand
//      by scripts/e2e/seedPerfSecrets.ts as those users; only
//      manage-secrets.perf.test.mjs uses it,
//   4. runs the Playwright tests in packages/app/e2e-tests/ (playwright-core
//      driving that Chromium, node:test as the runner),
//      Each backend also starts the demo's fake PagerDuty one port above
//      its own (the upstream of /api/proxy/pagerduty-demo),
//   5. stops every backend, even on failure, and writes
//      test-results/e2e.json ({ passed, failed }) for scripts/test-summary.mjs.
//
// Screenshots go to test-results/, and the ones the docs show to
// docs/images/manage-secrets.png and docs/images/my-secrets.png. Exits non-zero on any failure.
//
// Environment (all optional): E2E_PORT_ADMIN, E2E_PORT_USER, E2E_PORT_PERF
// move the backends to other ports (e.g. to run beside another run of this
// script); E2E_FILTER runs only the test files whose name contains it (all
// three backends start anyway).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const YARN = join(ROOT, '.yarn/releases/yarn-4.13.0.cjs');
const RESULTS_DIR = join(ROOT, 'test-results');
const TESTS_DIR = join(ROOT, 'packages/app/e2e-tests');
const DOCS_SCREENSHOT = join(ROOT, 'docs/images/manage-secrets.png');
const MY_SECRETS_SCREENSHOT = join(ROOT, 'docs/images/my-secrets.png');
const CHROMIUM = '/usr/bin/chromium';
const READY_TIMEOUT_MS = 3 * 60 * 1000;
const NODE_TRANSFORM = join(
  ROOT,
  'node_modules/@backstage/cli-node/config/nodeTransform.cjs',
);
const SEED_SCRIPT = join(ROOT, 'scripts/e2e/seedPerfSecrets.ts');

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

// ── 1. Chromium ─────────────────────────────────────────────────────────────

function ensureChromium() {
  if (existsSync(CHROMIUM)) {
    return;
  }
  log(`${CHROMIUM} is missing: installing Debian's chromium package`);
  const asRoot = process.getuid?.() === 0;
  const command =
    'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium';
  const result = spawnSync(
    asRoot ? 'sh' : 'sudo',
    asRoot ? ['-c', command] : ['-n', 'sh', '-c', command],
    { stdio: 'inherit' },
  );
  if (result.status !== 0 || !existsSync(CHROMIUM)) {
    fail(
      `Could not install Chromium (${command} ${
        result.error
          ? `failed: ${result.error.message}`
          : `exited ${result.status}`
      }). The browser tests need Debian's chromium package at ${CHROMIUM}; install it and run again.`,
    );
  }
}

// ── 2. Frontend build ───────────────────────────────────────────────────────

function buildFrontend() {
  log('Building the frontend (packages/app/dist)');
  const result = spawnSync(
    process.execPath,
    [YARN, 'workspace', 'app', 'build'],
    {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  if (result.status !== 0) {
    fail(`The frontend build failed (exit ${result.status})`);
  }
}

// ── 3. Backends ─────────────────────────────────────────────────────────────

function portFromEnv(variable, fallback) {
  const value = process.env[variable];
  if (value === undefined || value === '') {
    return fallback;
  }
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail(`${variable}=${value} is not a port number`);
  }
  return port;
}

// The perf instance: this many synthetic secrets, values for half of them,
// set by this many catalog users.
const PERF_SECRETS = 1000;
const PERF_USERS = Array.from({ length: 50 }, (_, index) => {
  const number = String(index).padStart(2, '0');
  return {
    name: `perf-user-${number}`,
    ref: `user:default/perf-user-${number}`,
    displayName: `Perf User ${number}`,
  };
});

// A function, so that a bad port variable fails inside main().
const instances = () => [
  {
    name: 'admin',
    port: portFromEnv('E2E_PORT_ADMIN', 7007),
    userEntityRef: 'user:default/guest',
  },
  {
    name: 'user',
    port: portFromEnv('E2E_PORT_USER', 7017),
    userEntityRef: 'user:default/bob',
  },
  {
    name: 'perf',
    port: portFromEnv('E2E_PORT_PERF', 7027),
    userEntityRef: 'user:default/guest',
    perf: true,
  },
];

function portInUse(port) {
  return new Promise(done => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

// The 50 users of the perf instance, as a catalog file (JSON documents are
// YAML documents).
function writePerfUsers(dir) {
  const path = join(dir, 'perf-users.yaml');
  const documents = PERF_USERS.map(user =>
    JSON.stringify({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'User',
      metadata: { name: user.name },
      spec: {
        profile: {
          displayName: user.displayName,
          email: `${user.name}@example.com`,
        },
        memberOf: ['developers'],
      },
    }),
  );
  writeFileSync(path, `---\n${documents.join('\n---\n')}\n`);
  return path;
}

// Stores values for every other synthetic secret, as the 50 users, through
// the plugin's own code (see the comment at the top of the script for why).
function seedPerfSecrets(databaseDir, encryptionKey) {
  const result = spawnSync(
    process.execPath,
    ['--require', NODE_TRANSFORM, SEED_SCRIPT],
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
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

// JSON is YAML, so the config needs no YAML library.
function writeConfig(dir, instance, encryptionKey) {
  const url = `http://localhost:${instance.port}`;
  const databaseDir = join(dir, `${instance.name}-sqlite`);
  mkdirSync(databaseDir);
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
          '/pagerduty-demo': {
            target: `http://127.0.0.1:${instance.port + 1}`,
          },
        },
      },
    },
    // The fake PagerDuty of this instance, one port above the backend's.
    demo: { fakePagerDuty: { port: instance.port + 1 } },
  };
  if (instance.name === 'admin') {
    // For manage-secrets.history.admin.test.mjs: a value of
    // GOOGLE_SERVICE_ACCOUNT_JSON is overdue for rotation a second after it
    // is set, one of OPENAI_API_KEY due soon (within 7 days) at once.
    // Strings, like app-config.yaml's: the config layers must agree on type.
    config.secrets.rotation = {
      GOOGLE_SERVICE_ACCOUNT_JSON: '1 second',
      OPENAI_API_KEY: '3 days',
    };
  }
  if (instance.perf) {
    config.demo.syntheticSecrets = { count: PERF_SECRETS };
    // Replaces the list of app-config.yaml, so its two locations come again
    // (absolute: relative targets resolve against packages/backend).
    config.catalog = {
      locations: [
        join(ROOT, 'examples/org.yaml'),
        join(ROOT, 'catalog-info.yaml'),
        writePerfUsers(dir),
      ].map(target => ({ type: 'file', target })),
    };
    const seeded = seedPerfSecrets(databaseDir, encryptionKey);
    log(
      `Seeded the perf backend: ${seeded.stored} of ${seeded.registered} synthetic secrets stored, set by ${seeded.users} catalog users`,
    );
  }
  const path = join(dir, `${instance.name}.yaml`);
  writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
  return path;
}

function startBackend(dir, instance, configPath) {
  const logPath = join(dir, `${instance.name}.log`);
  const out = openSync(logPath, 'w');
  // No pinned values from the environment running the tests.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith('BACKSTAGE_SECRETS_'),
    ),
  );
  const child = spawn(
    process.execPath,
    [
      YARN,
      'workspace',
      'backend',
      'start',
      '--config',
      '../../app-config.yaml',
      '--config',
      configPath,
    ],
    {
      cwd: ROOT,
      // Its own process group, so that stopping it stops its children too.
      detached: true,
      stdio: ['ignore', out, out],
      env: {
        ...env,
        // The guest provider only works in development.
        NODE_ENV: 'development',
        // The backend must run on this Node.js (24), not an older default.
        PATH: `${dirname(process.execPath)}:${env.PATH ?? ''}`,
      },
    },
  );
  closeSync(out);
  return {
    ...instance,
    child,
    logPath,
    url: `http://localhost:${instance.port}`,
  };
}

function stopBackend(backend) {
  const { child } = backend;
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

async function waitUntilStopped(backends) {
  const deadline = Date.now() + 15_000;
  for (const backend of backends) {
    while (
      backend.child.exitCode === null &&
      backend.child.signalCode === null &&
      Date.now() < deadline
    ) {
      await sleep(200);
    }
    try {
      process.kill(-backend.child.pid, 'SIGKILL');
    } catch {
      // stopped
    }
  }
}

function logTail(backend, lines = 60) {
  try {
    const text = readFileSync(backend.logPath, 'utf8').split('\n');
    return text.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = ms => new Promise(done => setTimeout(done, ms));

async function waitForReady(backend) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (backend.child.exitCode !== null) {
      fail(
        `The ${backend.name} backend exited (code ${
          backend.child.exitCode
        }) before it was ready. Last lines of its log:\n${logTail(backend)}`,
      );
    }
    try {
      const response = await fetch(
        `${backend.url}/.backstage/health/v1/readiness`,
      );
      if (response.status === 200) {
        return;
      }
    } catch {
      // not listening yet
    }
    await sleep(1000);
  }
  fail(
    `The ${backend.name} backend on ${backend.url} was not ready after ${
      READY_TIMEOUT_MS / 1000
    } s. Last lines of its log:\n${logTail(backend)}`,
  );
}

// The page needs the secrets REST API; without it every test would fail
// with a confusing timeout.
async function checkSecretsApi(backend) {
  const response = await fetch(`${backend.url}/api/secrets/secrets`);
  if (response.status === 404) {
    fail(
      `${backend.url}/api/secrets/secrets answers 404: the secrets backend plugin is not installed in packages/backend.`,
    );
  }
}

// ── 4. Tests ────────────────────────────────────────────────────────────────

async function runTests(backends) {
  const filter = process.env.E2E_FILTER ?? '';
  const files = readdirSync(TESTS_DIR)
    .filter(file => file.endsWith('.test.mjs') && file.includes(filter))
    .sort()
    .map(file => join(TESTS_DIR, file));
  if (files.length === 0) {
    fail(`No browser tests found in ${TESTS_DIR}`);
  }
  Object.assign(process.env, {
    E2E_ADMIN_URL: backends.find(b => b.name === 'admin').url,
    E2E_USER_URL: backends.find(b => b.name === 'user').url,
    E2E_PERF_URL: backends.find(b => b.name === 'perf').url,
    E2E_PERF_SECRETS: String(PERF_SECRETS),
    E2E_PERF_USERS: JSON.stringify(PERF_USERS),
    E2E_RESULTS_DIR: RESULTS_DIR,
    E2E_DOCS_SCREENSHOT: DOCS_SCREENSHOT,
    E2E_MY_SECRETS_SCREENSHOT: MY_SECRETS_SCREENSHOT,
    E2E_CHROMIUM: CHROMIUM,
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
    if (event.details?.type !== 'suite') {
      failed += 1;
    }
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
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'e2e.json'), `${JSON.stringify(result)}\n`);
}

async function main() {
  // A run that dies early still reports a failure, not the previous counts.
  writeSummary({ passed: 0, failed: 1 });
  ensureChromium();
  buildFrontend();

  const configured = instances();
  for (const instance of configured) {
    // The backend's port, and the one above it for its fake PagerDuty.
    for (const port of [instance.port, instance.port + 1]) {
      if (await portInUse(port)) {
        fail(
          `Port ${port} is in use; the browser tests start their own backends (and their fake PagerDuty one port above) there. Stop whatever listens on it (e.g. scripts/start.sh) and run again.`,
        );
      }
    }
  }

  const dir = mkdtempSync(join(tmpdir(), 'backstage-secrets-e2e-'));
  // Generated for this run only, and never written into the repository.
  const encryptionKey = randomBytes(32).toString('base64url');
  const backends = [];
  const stopAll = () => backends.forEach(stopBackend);
  const onSignal = signal => {
    stopAll();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', stopAll);

  try {
    for (const instance of configured) {
      const configPath = writeConfig(dir, instance, encryptionKey);
      backends.push(startBackend(dir, instance, configPath));
    }
    log(
      `Starting the demo backends: ${backends
        .map(b => `${b.name} on ${b.url} (guest = ${b.userEntityRef})`)
        .join(', ')}`,
    );
    await Promise.all(backends.map(waitForReady));
    await Promise.all(backends.map(checkSecretsApi));
    log('Backends ready; running the browser tests');

    const result = await runTests(backends);
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
    stopAll();
    await waitUntilStopped(backends);
    rmSync(dir, { recursive: true, force: true });
    log('Done');
  }
}

main().catch(error => {
  if (error instanceof E2eFailure) {
    console.error(`\x1b[1;31m[e2e] ${error.message}\x1b[0m`);
  } else {
    console.error(error);
  }
  process.exitCode = 1;
});
