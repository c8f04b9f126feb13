// Starts benchmark backends (bench/worker.ts) as child processes and talks
// to them over IPC; every child is tracked so that it is stopped on exit,
// also on failure. Also the PostgreSQL helper of the driver.
import { fork } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const NODE_TRANSFORM = path.join(
  REPO_ROOT,
  'node_modules/@backstage/cli-node/config/nodeTransform.cjs',
);
const WORKER = path.join(REPO_ROOT, 'bench/worker.ts');
/** An obviously fake 32-byte key: the benchmark never handles a real one. */
const BENCH_KEY = Buffer.from('bench-only-key-not-a-real-secret');

const children = new Set();

/** Runs `fn` with a connected pg client on `url` (or its `database`). */
export async function withPg(url, fn, database) {
  const { Client } = createRequire(import.meta.url)('pg');
  const target = new URL(url);
  if (database) target.pathname = `/${database}`;
  const client = new Client({
    connectionString: target.toString(),
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

const exited = child => child.exitCode !== null || child.signalCode !== null;

/** Stops every child still running (SIGKILL after a grace period). */
export async function stopAllWorkers() {
  await Promise.all(
    [...children]
      .filter(c => !exited(c))
      .map(child => {
        const gone = new Promise(resolve => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        return gone.then(() => clearTimeout(timer));
      }),
  );
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function backendConfig({ port, database, secretsConfig = {} }) {
  const admin = 'user:default/bench-admin';
  return {
    app: { baseUrl: 'http://localhost:3000' },
    backend: {
      baseUrl: `http://127.0.0.1:${port}`,
      listen: { host: '127.0.0.1', port },
      database,
    },
    auth: {
      providers: {
        guest: {
          userEntityRef: admin,
          ownershipEntityRefs: [admin, 'group:default/admins'],
          dangerouslyAllowOutsideDevelopment: true,
        },
      },
    },
    permission: { enabled: true },
    secrets: {
      encryption: {
        keys: [{ id: 'bench', secret: BENCH_KEY.toString('base64url') }],
      },
      // the public policy module: manage-secrets for the admins group only
      permission: { managers: ['group:default/admins'] },
      ...secretsConfig,
    },
    // the floor of a warm read: a static config value, as adopters read
    // their API keys today
    bench: { staticValue: 'bench-value-static' },
  };
}

const tail = file =>
  fs.existsSync(file)
    ? fs.readFileSync(file, 'utf8').split('\n').slice(-30).join('\n')
    : '(no log)';

/**
 * Starts one backend (`database` is the `backend.database` config block)
 * and resolves once it has started and, if asked, seeded its values.
 */
export async function startWorker({
  label,
  tmpDir,
  database,
  registered,
  stored,
  seed = true,
  nodeFlags = [],
  secretsConfig,
  events = false,
  // seeding goes through the REST API: allow for it
  timeoutMs = 120_000 + (seed ? stored * 60 : 0),
}) {
  const port = await freePort();
  const configFile = path.join(tmpDir, `${label}.config.yaml`);
  const config = backendConfig({ port, database, secretsConfig });
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2)); // JSON is YAML
  const logFile = path.join(tmpDir, `${label}.log`);
  const log = fs.openSync(logFile, 'a');
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = fork(WORKER, ['--config', configFile], {
    cwd: REPO_ROOT,
    execArgv: ['--require', NODE_TRANSFORM, ...nodeFlags],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      SECRETS_BENCH_WORKER: JSON.stringify({
        ...{ registered, stored, seed, baseUrl, events },
      }),
    },
    stdio: ['ignore', log, log, 'ipc'],
  });
  fs.closeSync(log);
  children.add(child);

  let nextId = 1;
  const pending = new Map();
  const died = new Promise(resolve => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      const error = new Error(
        `${label} exited (${
          signal ?? code
        }); log ${logFile} (kept with --keep-tmp):\n${tail(logFile)}`,
      );
      for (const { reject } of pending.values()) reject(error);
      pending.clear();
      resolve(error);
    });
  });
  child.on('message', message => {
    const waiter = pending.get(message?.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(new Error(`${label}: ${message.error}`));
  });

  const ready = await Promise.race([
    new Promise((resolve, reject) => {
      child.on('message', message => {
        if (message?.type === 'ready') resolve(message);
        if (message?.type === 'failed') {
          reject(new Error(`${label} failed to start:\n${message.error}`));
        }
      });
    }),
    died.then(error => Promise.reject(error)),
    timeout(timeoutMs, `${label} did not start within ${timeoutMs} ms`),
  ]);

  const worker = {
    label,
    startupMs: ready.startupMs,
    call(cmd, args = {}, callTimeoutMs = 120_000) {
      if (exited(child)) return Promise.reject(new Error(`${label} exited`));
      const id = nextId++;
      const answer = new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, cmd, args });
      });
      const message = `${label}: ${cmd} timed out after ${callTimeoutMs} ms`;
      return Promise.race([answer, timeout(callTimeoutMs, message)]);
    },
    /** Asks the backend to stop and exit by itself (needed for --cpu-prof). */
    async stop() {
      if (exited(child)) return;
      await worker.call('stop', {}, 5000).catch(() => {});
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await died;
      clearTimeout(timer);
    },
  };
  return worker;
}

/** Rejects after `ms` without keeping the process alive. */
function timeout(ms, message) {
  return new Promise((_, reject) => {
    setTimeout(() => reject(new Error(message)), ms).unref();
  });
}
