import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import proxyPlugin from '@backstage/plugin-proxy-backend';
import { secretsServiceRef } from '@backstage-secrets/plugin-secrets-node';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import request from 'supertest';
import { RESPONSE_CHECK_LIMIT } from './responseGuard';
import proxyModuleSecrets from './index';

jest.setTimeout(60_000);

/**
 * An upstream that hands the filled header back (an echo service, a debug
 * endpoint, a TRACE-like handler), and one that redirects to another host:
 * the caller must never receive the secret, and the other host must never
 * be sent it.
 */
const CANARY = 'proxy-canary-7f3a91c2d4';

type Upstream = {
  url: string;
  received: Array<{ method?: string; url?: string; headers: object }>;
  close(): Promise<void>;
};

async function listen(handler: http.RequestListener): Promise<Upstream> {
  const received: Upstream['received'] = [];
  const server = http.createServer((req, res) => {
    received.push({ method: req.method, url: req.url, headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

describe('an upstream that reflects or redirects the filled headers', () => {
  let echo: Upstream;
  let elsewhere: Upstream;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  const user = mockCredentials.user.header();

  beforeAll(async () => {
    elsewhere = await listen((_req, res) => res.end('elsewhere'));
    echo = await listen((req, res) => {
      const key = String(req.headers['x-key'] ?? '');
      const path = req.url ?? '';
      if (path.startsWith('/json')) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ headers: req.headers }));
      } else if (path.startsWith('/in-header')) {
        res.setHeader('content-language', key);
        res.end('nothing in the body');
      } else if (path.startsWith('/late')) {
        // The value only after the first MiB: the answer has begun to
        // stream when it shows up, split across two writes.
        res.write('a'.repeat(RESPONSE_CHECK_LIMIT + 10_000));
        res.write(key.slice(0, 7));
        setImmediate(() => res.end(`${key.slice(7)} and more`));
      } else if (path.startsWith('/gzip')) {
        res.setHeader('content-encoding', 'gzip');
        res.end(zlib.gzipSync(key));
      } else if (path.startsWith('/redirect')) {
        res.statusCode = 302;
        res.setHeader('location', `${elsewhere.url}/collect`);
        res.end();
      } else if (path.startsWith('/large')) {
        res.end('b'.repeat(2 * RESPONSE_CHECK_LIMIT));
      } else {
        res.end('plain answer');
      }
    });
    backend = await startTestBackend({
      features: [
        proxyPlugin,
        proxyModuleSecrets,
        createServiceFactory({
          service: secretsServiceRef,
          deps: {},
          factory: () => ({
            getSecret: async () => CANARY,
            requireSecret: async () => CANARY,
          }),
        }),
        mockServices.rootConfig.factory({
          data: {
            secrets: {
              proxy: {
                endpoints: {
                  '/echo': {
                    target: echo.url,
                    headers: { 'X-Key': '{{ secrets.TOKEN }}' },
                  },
                },
              },
            },
          },
        }),
      ],
    });
  });

  afterAll(async () => {
    await backend.stop();
    await echo.close();
    await elsewhere.close();
  });

  it('refuses (502) an answer that holds the value in its body, and never sends it', async () => {
    const res = await request(backend.server)
      .get('/api/proxy/echo/json')
      .set('Authorization', user);
    expect(res.status).toBe(502);
    expect(res.body.error.message).toBe(
      "Proxy endpoint /echo refused the upstream's answer: the upstream answered with a filled value in its body. Secret values sent in headers are never passed back to the caller.",
    );
    expect(echo.received.at(-1)?.headers).toMatchObject({ 'x-key': CANARY });
    expect(JSON.stringify(res.headers) + res.text).not.toContain(CANARY);
  });

  it('refuses an answer that holds the value in a forwarded header', async () => {
    const res = await request(backend.server)
      .get('/api/proxy/echo/in-header')
      .set('Authorization', user);
    expect(res.status).toBe(502);
    expect(JSON.stringify(res.headers) + res.text).not.toContain(CANARY);
  });

  it('refuses an encoded answer it cannot check, and asks for identity', async () => {
    const res = await request(backend.server)
      .get('/api/proxy/echo/gzip')
      .set('Authorization', user)
      .set('Accept-Encoding', 'gzip');
    expect(res.status).toBe(502);
    expect(res.body.error.message).toMatch(/content encoding 'gzip'/);
    expect(echo.received.at(-1)?.headers).toMatchObject({
      'accept-encoding': 'identity',
    });
  });

  it('ends a streaming answer before a value found past the first MiB', async () => {
    // Read raw bytes: the proxy ends the connection mid-answer.
    const { port } = backend.server.address() as AddressInfo;
    const body = await new Promise<Buffer>(resolve => {
      const chunks: Buffer[] = [];
      const done = () => resolve(Buffer.concat(chunks));
      http
        .get(
          `http://127.0.0.1:${port}/api/proxy/echo/late`,
          { headers: { authorization: user } },
          response => {
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', done);
            response.on('error', done);
            response.on('aborted', done);
          },
        )
        .on('error', done);
    });
    expect(body.includes(Buffer.from(CANARY))).toBe(false);
    // Not even the value's first bytes left the proxy.
    expect(body.includes(Buffer.from(CANARY.slice(0, 7)))).toBe(false);
    expect(body.length).toBeLessThan(RESPONSE_CHECK_LIMIT + 10_000);
  });

  it('passes a large answer without the value through unchanged', async () => {
    const res = await request(backend.server)
      .get('/api/proxy/echo/large')
      .set('Authorization', user);
    expect(res.status).toBe(200);
    expect(res.text).toBe('b'.repeat(2 * RESPONSE_CHECK_LIMIT));
  });

  it('hands a redirect back to the caller instead of following it with the headers', async () => {
    const res = await request(backend.server)
      .get('/api/proxy/echo/redirect')
      .set('Authorization', user)
      .redirects(0);
    expect(res.status).toBe(302);
    expect(elsewhere.received).toEqual([]);
    expect(JSON.stringify(res.headers) + res.text).not.toContain(CANARY);
  });

  it('answers an ordinary request as before', async () => {
    const res = await request(backend.server)
      .get('/api/proxy/echo/plain')
      .set('Authorization', user);
    expect(res.status).toBe(200);
    expect(res.text).toBe('plain answer');
  });

  it('refuses TRACE without calling the upstream', async () => {
    const before = echo.received.length;
    const res = await request(backend.server)
      .trace('/api/proxy/echo/json')
      .set('Authorization', user);
    expect(res.status).toBe(405);
    expect(echo.received).toHaveLength(before);
  });
});
