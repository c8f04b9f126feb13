import { databaseServiceFactory } from '@backstage/backend-defaults/database';
import type { TestDatabaseId } from '@backstage/backend-test-utils';
import { startTestBackend } from '@backstage/backend-test-utils';
import proxyPlugin from '@backstage/plugin-proxy-backend';
import type { JsonObject } from '@backstage/types';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { secretsPlugin } from '../plugin';
import { plantCanary, registerCapture } from '../__testUtils__/canaries';
import { LogCapture } from '../__testUtils__/capturingLogger';
import { createTestDatabases } from '../__testUtils__/databases';
import { CALLER_HEADERS } from '../__testUtils__/hostileHttp';
import { adminOnlyPermissions, TEST_KEY } from '../__testUtils__/testBackend';
import { appConfigSecrets } from './appConfigState';
import { secretsRootConfigServiceFactory } from './secretsRootConfigServiceFactory';

/*
 * The factory with real consumers: the stock proxy backend whose endpoint
 * header references a stored secret, and the secrets plugin on the same
 * database (SQLite file, and PostgreSQL when configured), as an operator
 * runs them.
 */

jest.setTimeout(120_000);

const databases = createTestDatabases();
const NAME = 'UPSTREAM_TOKEN';
const STORED = plantCanary('stored-upstream-canary-6f1d2a');
const REPLACED = plantCanary('replaced-upstream-canary-0b9c4e');

const consoleLines: string[] = [];
registerCapture(() => consoleLines.join('\n'));
beforeEach(() => {
  for (const level of ['log', 'warn', 'error', 'info'] as const) {
    jest
      .spyOn(console, level)
      .mockImplementation((...args: unknown[]) =>
        consoleLines.push(args.map(String).join(' ')),
      );
  }
});
afterEach(() => jest.restoreAllMocks());

/** A local upstream that records the Authorization header it receives. */
async function startUpstream() {
  const seen: Array<string | undefined> = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.end('ok');
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

/** The backend.database of each kind: the plugin's database, shared by the factory. */
async function databaseConfig(id: TestDatabaseId): Promise<JsonObject> {
  if (!id.startsWith('POSTGRES')) {
    return {
      client: 'better-sqlite3',
      connection: {
        directory: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-appcfg-')),
      },
    };
  }
  const knex = await databases.init(id);
  // One schema per plugin inside the test's own database (dropped with it).
  return {
    client: 'pg',
    connection: knex.client.config.connection,
    pluginDivisionMode: 'schema',
  };
}

describe.each(databases.eachSupportedId())('app-config secrets on %p', id => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  const backends: Array<{ stop(): Promise<void> }> = [];
  beforeEach(async () => {
    upstream = await startUpstream();
  });
  afterEach(async () => {
    for (const backend of backends.splice(0)) await backend.stop();
    await upstream.close();
    delete process.env[NAME];
  });

  function writeConfig(
    database: JsonObject,
    headers: JsonObject = { Authorization: `Bearer \${${NAME}}` },
  ): string[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-appcfg-'));
    const file = path.join(dir, 'app-config.yaml');
    const config = {
      backend: { baseUrl: 'http://localhost:7007', database },
      permission: { enabled: true },
      secrets: {
        encryption: { keys: [{ id: 'test', secret: TEST_KEY }] },
        appConfig: { reloadInterval: { milliseconds: 50 } },
        definitions: [{ name: NAME, appConfig: true }],
      },
      proxy: {
        endpoints: {
          '/upstream': {
            target: upstream.url,
            credentials: 'dangerously-allow-unauthenticated',
            headers,
          },
        },
      },
    };
    fs.writeFileSync(file, JSON.stringify(config));
    return ['node', 'backend', '--config', file];
  }

  async function start(argv: string[], logs = new LogCapture()) {
    const backend = await startTestBackend({
      features: [
        secretsRootConfigServiceFactory({ argv }),
        databaseServiceFactory,
        logs.factory(),
        adminOnlyPermissions,
        secretsPlugin,
        proxyPlugin,
      ],
    });
    backends.push(backend);
    return { server: backend.server, logs };
  }

  /** What the upstream receives for one request through the stock proxy. */
  async function upstreamSees(server: http.Server) {
    const res = await request(server).get('/api/proxy/upstream/x');
    expect(res.status).toBe(200);
    return upstream.seen[upstream.seen.length - 1];
  }

  /** Asks until the upstream sees `expected` (the reload runs on its own interval). */
  async function eventuallySees(server: http.Server, expected: string) {
    for (let i = 0; i < 400; i++) {
      if ((await upstreamSees(server)) === expected) return;
      await new Promise(resolve => setTimeout(resolve, 25));
    }
    throw new Error(`the upstream never saw the expected header`);
  }

  it('leaves the header out while unset, then sends the stored value after a PUT, without a restart', async () => {
    const argv = writeConfig(await databaseConfig(id));
    const { server, logs } = await start(argv);
    expect(await upstreamSees(server)).toBeUndefined();

    const put = await request(server)
      .put(`/api/secrets/secrets/${NAME}`)
      .set('Authorization', CALLER_HEADERS.admin)
      .send({ value: STORED });
    expect(put.status).toBe(200);
    await eventuallySees(server, `Bearer ${STORED}`);

    const replaced = await request(server)
      .put(`/api/secrets/secrets/${NAME}`)
      .set('Authorization', CALLER_HEADERS.admin)
      .send({ value: REPLACED });
    expect(replaced.status).toBe(200);
    await eventuallySees(server, `Bearer ${REPLACED}`);

    // The page: the key that uses it, and nothing loaded at start-up.
    const list = await request(server)
      .get('/api/secrets/secrets')
      .set('Authorization', CALLER_HEADERS.admin);
    const summary = list.body.items.find((s: any) => s.name === NAME);
    expect(summary.appConfig).toEqual({
      paths: ['proxy.endpoints./upstream.headers.Authorization'],
    });
    expect(JSON.stringify(list.body)).not.toContain(STORED);
    expect(summary.lastUsedBy).toBe('app-config');
    // Each reload that read a stored value is audited.
    const audits = logs
      .matching(/secret-app-config-load.*succeeded/)
      .map(line => JSON.parse(line).meta);
    expect(audits).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: NAME, version: 1, when: 'reload' }),
        expect.objectContaining({ name: NAME, version: 2, when: 'reload' }),
      ]),
    );
  });

  it('loads the stored value at start-up and reports the loaded version; restart to apply after a change', async () => {
    const argv = writeConfig(await databaseConfig(id));
    const first = await start(argv);
    await request(first.server)
      .put(`/api/secrets/secrets/${NAME}`)
      .set('Authorization', CALLER_HEADERS.admin)
      .send({ value: STORED })
      .expect(200);
    await backends.pop()!.stop();

    const { server, logs } = await start(argv);
    expect(await upstreamSees(server)).toBe(`Bearer ${STORED}`);
    const summary = async () =>
      (
        await request(server)
          .get('/api/secrets/secrets')
          .set('Authorization', CALLER_HEADERS.admin)
      ).body.items.find((s: any) => s.name === NAME);
    expect((await summary()).appConfig.loadedVersion).toBe(1);
    expect((await summary()).lastUsedBy).toBe('app-config');
    const audits = logs.matching(/secret-app-config-load.*succeeded/);
    expect(audits).toHaveLength(1);
    expect(JSON.parse(audits[0])).toMatchObject({
      meta: { name: NAME, version: 1, when: 'start-up' },
    });

    await request(server)
      .put(`/api/secrets/secrets/${NAME}`)
      .set('Authorization', CALLER_HEADERS.admin)
      .send({ value: REPLACED })
      .expect(200);
    const now = await summary();
    expect(now.version).toBe(2);
    expect(now.appConfig.loadedVersion).toBe(1); // restart to apply
  });

  it('lets a set environment variable win over the stored value', async () => {
    const argv = writeConfig(await databaseConfig(id));
    const first = await start(argv);
    await request(first.server)
      .put(`/api/secrets/secrets/${NAME}`)
      .set('Authorization', CALLER_HEADERS.admin)
      .send({ value: STORED })
      .expect(200);
    await backends.pop()!.stop();

    process.env[NAME] = 'from-the-environment';
    const { server } = await start(argv);
    expect(await upstreamSees(server)).toBe('Bearer from-the-environment');
    expect(appConfigSecrets.summary(NAME)).toBeUndefined();
  });

  it('fails start-up, naming the key and the secret, for a reference at a key that is not secret', async () => {
    const argv = writeConfig(await databaseConfig(id), {
      'X-Upstream-Note': `\${${NAME}}`,
    });
    await expect(start(argv)).rejects.toThrow(
      `app-config key proxy.endpoints./upstream.headers.X-Upstream-Note references the stored secret ${NAME}`,
    );
  });
});

describe('app-config secrets without a persistent database', () => {
  it('fails start-up, saying so, when an appConfig secret is declared with an in-memory database', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-appcfg-'));
    const file = path.join(dir, 'app-config.yaml');
    fs.writeFileSync(
      file,
      JSON.stringify({
        backend: {
          baseUrl: 'http://localhost:7007',
          database: { client: 'better-sqlite3', connection: ':memory:' },
        },
        // Declared, not referenced yet: still an error.
        secrets: { definitions: [{ name: NAME, appConfig: true }] },
      }),
    );
    await expect(
      startTestBackend({
        features: [
          secretsRootConfigServiceFactory({
            argv: ['node', 'backend', '--config', file],
          }),
        ],
      }),
    ).rejects.toThrow(/in-memory SQLite \(:memory:\)/);
  });
});
