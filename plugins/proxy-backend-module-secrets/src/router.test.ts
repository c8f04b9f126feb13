import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { InputError, ResponseError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import proxyPlugin from '@backstage/plugin-proxy-backend';
import { secretsServiceRef } from '@backstage-secrets/plugin-secrets-node';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import proxyModuleSecrets from './index';

jest.setTimeout(60_000);

/**
 * The module against a stand-in secrets service that answers what the
 * secrets client would: a value, undefined (unset), or the ResponseError of
 * a refused (403) or failed (500) read. The full round trip with the real
 * secrets backend is in module.test.ts.
 */
async function errorFrom(status: number, name: string) {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({ error: { name, message: `Refused, no value here` } }),
      { status, headers: { 'content-type': 'application/json' } },
    ) as any,
  );
}

describe('secrets proxy router', () => {
  const received: http.IncomingHttpHeaders[] = [];
  const bodies: string[] = [];
  let upstream: http.Server;
  let target: string;

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      received.push(req.headers);
      const chunks: Buffer[] = [];
      req.on('data', chunk => chunks.push(chunk));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        res.end('ok');
      });
    });
    await new Promise<void>(resolve =>
      upstream.listen(0, '127.0.0.1', resolve),
    );
    target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>(resolve => upstream.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
    bodies.length = 0;
  });

  async function start(extraConfig: object = {}) {
    const secrets = createServiceFactory({
      service: secretsServiceRef,
      deps: {},
      factory: () => ({
        async getSecret(name: string, options?: { entityRef?: string }) {
          if (name === 'ENTITY_DSN') {
            // As the client answers an entity-scoped read without an entity.
            if (!options?.entityRef) throw new InputError('needs an entity');
            return `dsn-of-${options.entityRef}`;
          }
          if (name === 'REFUSED') throw await errorFrom(403, 'NotAllowedError');
          if (name === 'BROKEN') throw await errorFrom(500, 'Error');
          if (name === 'MULTILINE') return 'line1\r\nX-Injected: yes';
          if (name === 'SET') return 'set-value';
          return undefined;
        },
        async requireSecret() {
          throw new Error('not used');
        },
      }),
    });
    const endpoint = (header: string, extra: object = {}) => ({
      target,
      headers: { 'X-Key': header },
      ...extra,
    });
    return startTestBackend({
      features: [
        proxyPlugin,
        proxyModuleSecrets,
        secrets,
        catalogServiceMock.factory({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: { name: 'payments', namespace: 'default' },
              spec: {},
            },
          ],
        }),
        mockServices.rootConfig.factory({
          data: {
            secrets: {
              proxy: {
                endpoints: {
                  '/refused': endpoint('{{ secrets.REFUSED }}'),
                  '/sentry': endpoint('{{ secrets.ENTITY_DSN }}'),
                  '/broken': endpoint('{{ secrets.BROKEN }}'),
                  '/multiline': endpoint('{{ secrets.MULTILINE }}'),
                  '/open': endpoint('k={{ secrets.SET }}', {
                    credentials: 'dangerously-allow-unauthenticated',
                    allowedMethods: ['GET', 'POST'],
                  }),
                  '/default-methods': endpoint('{{ secrets.SET }}'),
                  '/readonly': endpoint('{{ secrets.SET }}', {
                    allowedMethods: ['GET'],
                  }),
                },
              },
            },
            ...extraConfig,
          },
        }),
      ],
    });
  }

  it('answers 503 for a refused, failed or unusable read, without the upstream', async () => {
    const backend = await start();
    const user = mockCredentials.user.header();
    const refused = await request(backend.server)
      .get('/api/proxy/refused/x')
      .set('Authorization', user);
    expect(refused.status).toBe(503);
    expect(refused.body.error.message).toBe(
      "Proxy endpoint /refused is unavailable: the secrets backend refused to let the proxy plugin read secret REFUSED (NotAllowedError). An operator adds 'proxy' to the secret's readers: secrets.readers.REFUSED in app-config, or the readers of its definition.",
    );
    const broken = await request(backend.server)
      .get('/api/proxy/broken/x')
      .set('Authorization', user);
    expect(broken.status).toBe(503);
    expect(broken.body.error.message).toBe(
      'Proxy endpoint /broken is unavailable: secret BROKEN could not be read from the secrets backend (Error 500).',
    );
    const multiline = await request(backend.server)
      .get('/api/proxy/multiline/x')
      .set('Authorization', user);
    expect(multiline.status).toBe(503);
    expect(multiline.body.error.message).toMatch(
      /the value of secret MULTILINE holds characters that an HTTP header cannot carry/,
    );
    expect(multiline.text).not.toContain('X-Injected');
    expect(received).toEqual([]);
    await backend.stop();
  });

  it('fills an entity-scoped placeholder for the entity of x-backstage-entity-ref, only one the user may see', async () => {
    const backend = await start();
    const user = mockCredentials.user.header();
    const filled = await request(backend.server)
      .get('/api/proxy/sentry/x')
      .set('Authorization', user)
      .set('x-backstage-entity-ref', 'component:default/payments');
    expect(filled.status).toBe(200);
    expect(received[0]['x-key']).toBe('dsn-of-component:default/payments');
    // The header is not passed on upstream.
    expect(received[0]['x-backstage-entity-ref']).toBeUndefined();

    const without = await request(backend.server)
      .get('/api/proxy/sentry/x')
      .set('Authorization', user);
    expect(without.status).toBe(400);
    expect(without.body.error.message).toContain('x-backstage-entity-ref');

    const unseen = await request(backend.server)
      .get('/api/proxy/sentry/x')
      .set('Authorization', user)
      .set('x-backstage-entity-ref', 'component:default/secret-project');
    expect(unseen.status).toBe(404);

    const service = await request(backend.server)
      .get('/api/proxy/sentry/x')
      .set('Authorization', mockCredentials.service.header())
      .set('x-backstage-entity-ref', 'component:default/payments');
    expect(service.status).toBe(403);
    expect(received).toHaveLength(1);
    await backend.stop();
  });

  it('follows the stock credentials and method rules', async () => {
    const backend = await start();
    const open = await request(backend.server)
      .get('/api/proxy/open/x')
      .set('Authorization', mockCredentials.none.header());
    expect(open.status).toBe(200);
    expect(received[0]['x-key']).toBe('k=set-value');

    const posted = await request(backend.server)
      .post('/api/proxy/open/incidents')
      .set('Authorization', mockCredentials.none.header())
      .set('Content-Type', 'application/json')
      .send({ title: 'Disk full' });
    expect(posted.status).toBe(200);
    expect(bodies[1]).toBe('{"title":"Disk full"}');
    expect(received[1]['x-key']).toBe('k=set-value');

    const post = await request(backend.server)
      .post('/api/proxy/readonly/x')
      .set('Authorization', mockCredentials.user.header());
    expect(post.status).toBe(404);
    expect(received).toHaveLength(2);

    // An endpoint whose headers hold a secret forwards GET and HEAD only,
    // unless configured; TRACE never (its answer reflects the headers).
    const defaultPost = await request(backend.server)
      .post('/api/proxy/default-methods/x')
      .set('Authorization', mockCredentials.user.header());
    expect(defaultPost.status).toBe(404);
    const head = await request(backend.server)
      .head('/api/proxy/default-methods/x')
      .set('Authorization', mockCredentials.user.header());
    expect(head.status).toBe(200);
    expect(received).toHaveLength(3);
    const trace = await request(backend.server)
      .trace('/api/proxy/open/x')
      .set('Authorization', mockCredentials.none.header());
    expect(trace.status).toBe(405);
    expect(received).toHaveLength(3);

    const dotDot = await request(backend.server)
      .get('/api/proxy/readonly/%2e%2e/x')
      .set('Authorization', mockCredentials.user.header());
    expect(dotDot.status).toBe(400);
    await backend.stop();
  });

  it('refuses to start when a route is also a stock proxy endpoint', async () => {
    await expect(
      start({ proxy: { endpoints: { '/open': 'https://example.com' } } }),
    ).rejects.toThrow(
      'Proxy routes /open are configured both in proxy.endpoints and in secrets.proxy.endpoints; keep each route in one of them.',
    );
  });
});
