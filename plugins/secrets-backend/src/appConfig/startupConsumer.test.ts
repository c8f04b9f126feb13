import { databaseServiceFactory } from '@backstage/backend-defaults/database';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { startTestBackend } from '@backstage/backend-test-utils';
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
import { secretsRootConfigServiceFactory } from './secretsRootConfigServiceFactory';

/*
 * A consumer that reads its credential at start-up: the GitHub integration's
 * token, used by the URL reader against a local fake GitHub. A changed
 * stored value shows as "restart to apply" (stored version > loaded
 * version) and reaches the reader after a restart.
 */

jest.setTimeout(120_000);

const databases = createTestDatabases();
const NAME = 'GITHUB_TOKEN';
const FIRST = plantCanary('github-token-canary-first-71c0');
const SECOND = plantCanary('github-token-canary-second-a93e');

// What the root config writes to the console is swept for canaries too.
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

/** A plugin that reads a GitHub URL with the URL reader, for the test. */
const readingPlugin = createBackendPlugin({
  pluginId: 'reading',
  register(reg) {
    reg.registerInit({
      deps: {
        urlReader: coreServices.urlReader,
        httpRouter: coreServices.httpRouter,
      },
      async init({ urlReader, httpRouter }) {
        httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
        httpRouter.use(async (_req, res) => {
          const file = await urlReader.readUrl(
            'https://ghe.example.test/owner/repo/blob/main/catalog-info.yaml',
          );
          res.send((await file.buffer()).toString('utf8'));
        });
      },
    });
  },
});

describe.each(databases.eachSupportedId())(
  'a start-up consumer of an app-config secret on %p',
  id => {
    const seen: Array<string | undefined> = [];
    let github: http.Server;
    let githubUrl: string;
    beforeAll(async () => {
      github = http.createServer((req, res) => {
        seen.push(req.headers.authorization);
        res.end('kind: Component');
      });
      await new Promise<void>(resolve =>
        github.listen(0, '127.0.0.1', resolve),
      );
      githubUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise(resolve => github.close(resolve)));

    async function database(): Promise<JsonObject> {
      if (!id.startsWith('POSTGRES')) {
        return {
          client: 'better-sqlite3',
          connection: {
            directory: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-gh-')),
          },
        };
      }
      const knex = await databases.init(id);
      return {
        client: 'pg',
        connection: knex.client.config.connection,
        pluginDivisionMode: 'schema',
      };
    }

    it('reads the stored token at start-up, shows restart to apply after a change, and the new token after a restart', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-gh-'));
      const file = path.join(dir, 'app-config.yaml');
      fs.writeFileSync(
        file,
        JSON.stringify({
          backend: {
            baseUrl: 'http://localhost:7007',
            database: await database(),
          },
          permission: { enabled: true },
          secrets: {
            encryption: { keys: [{ id: 'test', secret: TEST_KEY }] },
            appConfig: { reloadInterval: { milliseconds: 50 } },
            definitions: [{ name: NAME, appConfig: true }],
          },
          integrations: {
            github: [
              {
                host: 'ghe.example.test',
                apiBaseUrl: `${githubUrl}/api/v3`,
                rawBaseUrl: `${githubUrl}/raw`,
                token: `\${${NAME}}`,
              },
            ],
          },
        }),
      );
      const logs = new LogCapture();
      const start = () =>
        startTestBackend({
          features: [
            secretsRootConfigServiceFactory({
              argv: ['node', 'backend', '--config', file],
            }),
            databaseServiceFactory,
            logs.factory(),
            adminOnlyPermissions,
            secretsPlugin,
            readingPlugin,
          ],
        });
      const put = (server: http.Server, value: string) =>
        request(server)
          .put(`/api/secrets/secrets/${NAME}`)
          .set('Authorization', CALLER_HEADERS.admin)
          .send({ value })
          .expect(200);
      const summary = async (server: http.Server) =>
        (
          await request(server)
            .get('/api/secrets/secrets')
            .set('Authorization', CALLER_HEADERS.admin)
        ).body.items.find((s: { name: string }) => s.name === NAME);
      const read = async (server: http.Server) => {
        await request(server).get('/api/reading/').expect(200);
        return seen[seen.length - 1];
      };

      let backend = await start();
      expect(await read(backend.server)).toBeUndefined();
      await put(backend.server, FIRST);
      await backend.stop();

      backend = await start();
      expect(await read(backend.server)).toMatch(new RegExp(`${FIRST}$`));
      await put(backend.server, SECOND);
      // Once the root config reloaded version 2 (its audit event says so),
      // the reader still has the start-up token, and the page says why.
      const reloaded =
        /"version":2,"reader":"app-config","when":"reload"\},"status":"succeeded"/;
      for (let i = 0; i < 400 && logs.matching(reloaded).length === 0; i++) {
        await new Promise(resolve => setTimeout(resolve, 25));
      }
      expect(logs.matching(reloaded)).toHaveLength(1);
      expect(await read(backend.server)).toMatch(new RegExp(`${FIRST}$`));
      const stale = await summary(backend.server);
      expect(stale.version).toBe(2);
      expect(stale.appConfig).toEqual({
        paths: ['integrations.github[0].token'],
        loadedVersion: 1,
      });
      await backend.stop();

      backend = await start();
      expect(await read(backend.server)).toMatch(new RegExp(`${SECOND}$`));
      expect((await summary(backend.server)).appConfig.loadedVersion).toBe(2);
      await backend.stop();
    });
  },
);
