// Starts benchmark backends (bench/worker.ts) as child processes and talks
// to them over IPC. Every child is tracked so that it is stopped on exit,
// also on failure.
import { fork } from 'node:child_process';
import { createServer } from 'node:net';
import fs from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const NODE_TRANSFORM = path.join(
  REPO_ROOT,
  'node_modules/@backstage/cli-node/config/nodeTransform.cjs',
);
const WORKER = path.join(REPO_ROOT, 'bench/worker.ts');

/** An obviously fake 32-byte key: the benchmark never handles a real one. */
export const BENCH_KEY_ID = 'bench';
export const BENCH_KEY = Buffer.from(
  'bench-only-key-not-a-real-secret',
).toString('base64url');

const children = new Set();

/** Kills every child still running (SIGKILL after a grace period). */
export async function stopAllWorkers() {
  const pending = [...children];
  for (const child of pending) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
    }
  }
  await Promise.all(
    pending.map(
      child =>
        new Promise(resolve => {
          if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
          }
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 5000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
}

export function freePort() {
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
          userEntityRef: 'user:default/bench-admin',
          ownershipEntityRefs: [
            'user:default/bench-admin',
            'group:default/admins',
          ],
          dangerouslyAllowOutsideDevelopment: true,
        },
      },
    },
    permission: { enabled: true },
    secrets: {
      encryption: { keys: [{ id: BENCH_KEY_ID, secret: BENCH_KEY }] },
      ...secretsConfig,
    },
    // The floor of a warm read: a static config value, as adopters read
    // their API keys today.
    bench: { staticValue: 'bench-value-static' },
  };
}

/**
 * Starts one backend. `database` is the `backend.database` config block.
 * Resolves once the backend has started (and seeded, if asked).
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
  // JSON is YAML.
  fs.writeFileSync(
    configFile,
    JSON.stringify(backendConfig({ port, database, secretsConfig }), null, 2),
  );
  const logFile = path.join(tmpDir, `${label}.log`);
  const log = fs.openSync(logFile, 'a');
  const child = fork(WORKER, ['--config', configFile], {
    cwd: REPO_ROOT,
    execArgv: ['--require', NODE_TRANSFORM, ...nodeFlags],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      SECRETS_BENCH_WORKER: JSON.stringify({
        registered,
        stored,
        seed,
        baseUrl: `http://127.0.0.1:${port}`,
        label,
        events,
      }),
    },
    stdio: ['ignore', log, log, 'ipc'],
  });
  fs.closeSync(log);
  children.add(child);
  child.once('exit', () => children.delete(child));

  let nextId = 1;
  const pending = new Map();
  let exited = false;
  child.on('message', message => {
    if (message && typeof message.id === 'number' && pending.has(message.id)) {
      const { resolve, reject } = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok) resolve(message.result);
      else reject(new Error(`${label}: ${message.error}`));
    }
  });
  child.once('exit', (code, signal) => {
    exited = true;
    for (const { reject } of pending.values()) {
      reject(
        new Error(
          `${label} exited (${
            signal ?? code
          }) during a request (log: ${logFile}, kept with --keep-tmp)\n${tail(
            logFile,
          )}`,
        ),
      );
    }
    pending.clear();
  });

  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${label} did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = message => {
      if (message?.type === 'ready') {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message);
      } else if (message?.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`${label} failed to start:\n${message.error}`));
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${label} exited (${signal ?? code}) while starting; log:\n${tail(
            logFile,
          )}`,
        ),
      );
    });
  });

  return {
    label,
    pid: child.pid,
    port,
    logFile,
    startupMs: ready.startupMs,
    call(cmd, args = {}, callTimeoutMs = 120_000) {
      if (exited) return Promise.reject(new Error(`${label} has exited`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(
            new Error(`${label}: ${cmd} timed out after ${callTimeoutMs} ms`),
          );
        }, callTimeoutMs);
        pending.set(id, {
          resolve: v => {
            clearTimeout(timer);
            resolve(v);
          },
          reject: e => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.send({ id, cmd, args });
      });
    },
    /** Asks the backend to stop and exit by itself (needed for --cpu-prof). */
    async stop(stopTimeoutMs = 20_000) {
      if (exited) return;
      const exit = new Promise(resolve => child.once('exit', resolve));
      try {
        await this.call('stop', {}, 5000);
      } catch {
        // exits anyway below
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

export function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
