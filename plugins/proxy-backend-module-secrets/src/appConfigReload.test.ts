import { databaseServiceFactory } from '@backstage/backend-defaults/database';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import proxyPlugin from '@backstage/plugin-proxy-backend';
// The real secrets backend and its root config, as an operator installs them.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import secretsPlugin, {
  generateEncryptionKey,
  secretsRootConfigServiceFactory,
} from '@backstage-secrets/plugin-secrets-backend';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import proxyModuleSecrets from './index';

/*
 * A live reload of app-config (a stored secret used in proxy.endpoints
 * changed) makes the stock proxy rebuild its routes from proxy.endpoints.
 * This module mounts its routes with httpRouter.use, not through the stock
 * proxy's extension point, so they keep working across such a reload.
 */

jest.setTimeout(120_000);

const ADMIN = 'user:default/alice';
const admin = mockCredentials.user.header(ADMIN);

const adminOnlyPermissions = createServiceFactory({
  service: coreServices.permissions,
  deps: {},
  factory: () => ({
    async authorize(requests: any[], options: any) {
      const principal = options?.credentials?.principal;
      const allowed =
        principal?.type === 'user' && principal.userEntityRef === ADMIN;
      return requests.map(() => ({
        result: allowed ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
      })) as any;
    },
    async authorizeConditional(requests: any[]) {
      return requests.map(() => ({ result: AuthorizeResult.DENY })) as any;
    },
  }),
});

describe('the proxy module across a live reload of app-config', () => {
  const seen: Array<{ url?: string; auth?: string; key?: string }> = [];
  let upstream: http.Server;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      seen.push({
        url: req.url,
        auth: req.headers.authorization,
        key: req.headers['x-api-key'] as string | undefined,
      });
      res.end('ok');
    });
    await new Promise<void>(resolve =>
      upstream.listen(0, '127.0.0.1', resolve),
    );
    const target = `http://127.0.0.1:${
      (upstream.address() as AddressInfo).port
    }`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxy-appcfg-'));
    const file = path.join(dir, 'app-config.yaml');
    fs.writeFileSync(
      file,
      JSON.stringify({
        backend: {
          baseUrl: 'http://localhost:7007',
          database: {
            client: 'better-sqlite3',
            connection: { directory: dir },
          },
        },
        permission: { enabled: true },
        secrets: {
          encryption: {
            keys: [{ id: 'test', secret: generateEncryptionKey() }],
          },
          appConfig: { reloadInterval: { milliseconds: 50 } },
          definitions: [
            { name: 'STOCK_TOKEN', appConfig: true },
            { name: 'MODULE_KEY', readers: ['proxy'] },
          ],
          proxy: {
            endpoints: {
              '/module': {
                target: `${target}/module`,
                headers: { 'X-Api-Key': '{{ secrets.MODULE_KEY }}' },
              },
            },
          },
        },
        proxy: {
          endpoints: {
            '/stock': {
              target: `${target}/stock`,
              credentials: 'dangerously-allow-unauthenticated',
              headers: { Authorization: 'Bearer ${STOCK_TOKEN}' },
            },
          },
        },
      }),
    );
    backend = await startTestBackend({
      features: [
        secretsRootConfigServiceFactory({
          argv: ['node', 'backend', '--config', file],
        }),
        databaseServiceFactory,
        secretsPlugin,
        proxyPlugin,
        proxyModuleSecrets,
        actionsRegistryServiceMock.factory(),
        adminOnlyPermissions,
      ],
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await new Promise(resolve => upstream?.close(resolve));
  });

  async function put(name: string, value: string) {
    await request(backend.server)
      .put(`/api/secrets/secrets/${name}`)
      .set('Authorization', admin)
      .send({ value })
      .expect(200);
  }

  /** Asks until `done` holds for what the upstream received last. */
  async function eventually(
    route: string,
    done: (last: (typeof seen)[number]) => boolean,
  ) {
    for (let i = 0; i < 400; i++) {
      const res = await request(backend.server)
        .get(route)
        .set('Authorization', admin);
      if (res.status === 200 && done(seen[seen.length - 1])) return;
      await new Promise(resolve => setTimeout(resolve, 25));
    }
    throw new Error(`${route} never answered as expected`);
  }

  it('keeps serving the module endpoint after the stock proxy reloaded', async () => {
    await put('MODULE_KEY', 'module-key-1');
    await eventually(
      '/api/proxy/module/x',
      last => last.key === 'module-key-1',
    );
    // A stored value used in proxy.endpoints changes: the stock proxy
    // rebuilds its routes from the reloaded config.
    await put('STOCK_TOKEN', 'stock-token-1');
    await eventually(
      '/api/proxy/stock/x',
      last => last.auth === 'Bearer stock-token-1',
    );
    const res = await request(backend.server)
      .get('/api/proxy/module/y')
      .set('Authorization', admin);
    expect(res.status).toBe(200);
    expect(seen[seen.length - 1]).toEqual({
      url: '/module/y',
      auth: undefined,
      key: 'module-key-1',
    });
  });
});
