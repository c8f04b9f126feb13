import {
  coreServices,
  createServiceFactory,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { JsonObject } from '@backstage/types';
// The real secrets backend, as the module's counterpart in these tests.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import secretsPlugin, {
  generateEncryptionKey,
} from '@backstage-secrets/plugin-secrets-backend';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import proxyPlugin from '@backstage/plugin-proxy-backend';
import request from 'supertest';
import proxyModuleSecrets from './index';

jest.setTimeout(60_000);

const ADMIN = 'user:default/alice';
const USER = 'user:default/bob';

/** manage-secrets for ADMIN only; the secrets plugin's check is real. */
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

/** Every log line and audit event of the backend (the auditor logs through the root logger). */
class LogCapture {
  readonly lines: string[] = [];

  logger(meta: JsonObject = {}): LoggerService {
    const write = (level: string) => (message: string, extra?: unknown) => {
      const detail =
        extra instanceof Error
          ? { error: { name: extra.name, message: extra.message } }
          : (extra as JsonObject | undefined);
      this.lines.push(JSON.stringify({ level, message, ...meta, ...detail }));
    };
    return {
      error: write('error'),
      warn: write('warn'),
      info: write('info'),
      debug: write('debug'),
      child: (childMeta: JsonObject) => this.logger({ ...meta, ...childMeta }),
    };
  }

  factory() {
    return createServiceFactory({
      service: coreServices.rootLogger,
      deps: {},
      factory: () => this.logger(),
    });
  }

  text() {
    return this.lines.join('\n');
  }
}

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
}

/** A local upstream that records what it receives and answers JSON. */
async function startUpstream() {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    received.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
    });
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-upstream-internal', 'dropped by the proxy');
    res.end(JSON.stringify({ incidents: [], path: req.url }));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

// Values that must never reach a log line, an audit event or a response
// body other than what the upstream itself answers.
const CANARIES = {
  first: 'pd-canary-first-5b1e0c',
  second: 'pd-canary-second-93ad7f',
  refused: 'pd-canary-refused-0c44e2',
};

describe('proxy endpoints with secrets in headers', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let logs: LogCapture;
  const responses: string[] = [];

  const admin = mockCredentials.user.header(ADMIN);
  const user = mockCredentials.user.header(USER);

  async function setSecret(name: string, value: string) {
    const res = await request(backend.server)
      .put(`/api/secrets/secrets/${name}`)
      .set('Authorization', admin)
      .send({ value });
    expect(res.status).toBe(200);
  }

  async function get(path: string, headers: Record<string, string> = {}) {
    let req = request(backend.server).get(path);
    for (const [name, value] of Object.entries(headers)) {
      req = req.set(name, value);
    }
    const res = await req;
    responses.push(`${JSON.stringify(res.headers)}\n${res.text}`);
    return res;
  }

  /**
   * A GET repeated until the proxy no longer answers 503: a secret just set
   * reaches the proxy within the secrets client's freshness bound (it may
   * still reuse "unset" for up to 500 ms). The upstream's record of the
   * 503s is empty anyway (they never reach it).
   */
  async function getOnceSet(
    path: string,
    headers: Record<string, string> = {},
  ) {
    const started = Date.now();
    for (;;) {
      const res = await get(path, headers);
      if (res.status !== 503 || Date.now() - started > 10_000) return res;
      await new Promise(resolve => setTimeout(resolve, 50));
    }
  }

  beforeAll(async () => {
    upstream = await startUpstream();
    logs = new LogCapture();
    backend = await startTestBackend({
      features: [
        secretsPlugin,
        proxyPlugin,
        proxyModuleSecrets,
        // The secrets plugin registers actions (as a backend from
        // createBackend provides the registry).
        actionsRegistryServiceMock.factory(),
        logs.factory(),
        adminOnlyPermissions,
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            secrets: {
              encryption: {
                keys: [{ id: 'test', secret: generateEncryptionKey() }],
              },
              definitions: [
                { name: 'UPSTREAM_TOKEN', readers: ['proxy'] },
                { name: 'API_KEY' },
                {
                  name: 'CATALOG_ONLY_TOKEN',
                  description: 'Readers leave out the proxy plugin.',
                  readers: ['catalog'],
                },
              ],
              proxy: {
                endpoints: {
                  '/upstream': {
                    target: upstream.url,
                    headers: {
                      Authorization: 'Bearer {{ secrets.UPSTREAM_TOKEN }}',
                      'X-Api-Key': '{{secrets.API_KEY}}',
                    },
                    // Let clients send these, to show that the filled
                    // headers still win.
                    allowedHeaders: ['authorization', 'x-api-key', 'x-trace'],
                  },
                  '/forwarding': {
                    target: upstream.url,
                    credentials: 'forward',
                    headers: {
                      Authorization: 'Token token={{ secrets.UPSTREAM_TOKEN }}',
                    },
                  },
                  '/refused': {
                    target: upstream.url,
                    headers: {
                      'X-Api-Key': '{{ secrets.CATALOG_ONLY_TOKEN }}',
                    },
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
    await backend?.stop();
    await upstream?.close();
    // The canary sweep: no value in any log line or audit event, nor in any
    // answer the proxy itself gave. It must have seen the audit events of
    // the proxy's reads and of the admin's changes, not an empty capture.
    // (Throwing from afterAll fails the file.)
    const everything = `${logs.text()}\n${responses.join('\n')}`;
    const problems = [
      ...Object.values(CANARIES)
        .filter(value => everything.includes(value))
        .map(
          value => `value ${value} leaked into logs, audit events or answers`,
        ),
      ...[
        /"eventId":"secret-read".*UPSTREAM_TOKEN/,
        /"eventId":"secret-set".*UPSTREAM_TOKEN/,
      ]
        .filter(pattern => !pattern.test(everything))
        .map(pattern => `no audit event matching ${pattern} was captured`),
    ];
    if (problems.length > 0) {
      throw new Error(`Canary sweep failed:\n${problems.join('\n')}`);
    }
  });

  beforeEach(() => {
    upstream.received.length = 0;
  });

  it('answers 503 without calling the upstream while a secret is unset', async () => {
    const res = await get('/api/proxy/upstream/incidents', {
      Authorization: user,
    });
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({
      name: 'ServiceUnavailableError',
      message: expect.stringMatching(
        /^Proxy endpoint \/upstream is unavailable: secret (UPSTREAM_TOKEN|API_KEY) has no value\. An admin sets it on the "Manage secrets" page/,
      ),
    });
    expect(upstream.received).toEqual([]);

    // One of two set is still unset: still no call.
    await setSecret('API_KEY', 'api-key-1');
    const still = await get('/api/proxy/upstream/incidents', {
      Authorization: user,
    });
    expect(still.status).toBe(503);
    expect(still.body.error.message).toContain('secret UPSTREAM_TOKEN');
    expect(upstream.received).toEqual([]);
  });

  it('refuses callers without credentials, as the stock proxy does', async () => {
    const res = await get('/api/proxy/upstream/incidents', {
      Authorization: mockCredentials.none.header(),
    });
    expect(res.status).toBe(401);
    expect(upstream.received).toEqual([]);
  });

  it('fills the headers with the current value, and the upstream answer comes back', async () => {
    await setSecret('UPSTREAM_TOKEN', CANARIES.first);
    const res = await getOnceSet('/api/proxy/upstream/incidents?limit=2', {
      Authorization: user,
      'X-Trace': 'trace-1',
      Cookie: 'dropped=1',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ incidents: [], path: '/incidents?limit=2' });
    expect(res.headers['x-upstream-internal']).toBeUndefined();

    expect(upstream.received).toHaveLength(1);
    const [seen] = upstream.received;
    expect(seen.method).toBe('GET');
    expect(seen.headers.authorization).toBe(`Bearer ${CANARIES.first}`);
    expect(seen.headers['x-api-key']).toBe('api-key-1');
    expect(seen.headers['x-trace']).toBe('trace-1');
    expect(seen.headers.cookie).toBeUndefined();
    // The caller's Backstage token never reaches the upstream.
    expect(JSON.stringify(seen.rawHeaders)).not.toContain(
      user.replace('Bearer ', ''),
    );
  });

  it('never lets a client-sent header replace a filled one, whatever its case', async () => {
    // Authorization carries the caller's Backstage token (allowed through
    // by allowedHeaders), and X-Api-Key comes in two other spellings.
    const res = await get('/api/proxy/upstream/x', {
      Authorization: user,
      'x-API-key': 'client-key',
      'X-API-KEY': 'client-key-2',
    });
    expect(res.status).toBe(200);
    const [seen] = upstream.received;
    const named = (name: string) =>
      seen.rawHeaders.filter(
        (_, i) => i % 2 === 0 && seen.rawHeaders[i].toLowerCase() === name,
      );
    expect(named('authorization')).toHaveLength(1);
    expect(named('x-api-key')).toHaveLength(1);
    expect(seen.headers.authorization).toBe(`Bearer ${CANARIES.first}`);
    expect(seen.headers['x-api-key']).toBe('api-key-1');

    // credentials: forward allows the caller's Authorization through, but
    // the filled Authorization still wins.
    const forwarded = await get('/api/proxy/forwarding/y', {
      Authorization: user,
    });
    expect(forwarded.status).toBe(200);
    expect(upstream.received[1].headers.authorization).toBe(
      `Token token=${CANARIES.first}`,
    );
  });

  it('sends a value changed on the API to the upstream within the freshness bound, without a restart', async () => {
    await get('/api/proxy/upstream/warm', { Authorization: user });
    await setSecret('UPSTREAM_TOKEN', CANARIES.second);
    const changedAt = Date.now();
    let seenValue: string | undefined;
    // Poll: the secrets client reuses a value for at most 500 ms.
    while (Date.now() - changedAt < 10_000) {
      const res = await get('/api/proxy/upstream/poll', {
        Authorization: user,
      });
      expect(res.status).toBe(200);
      seenValue = upstream.received[upstream.received.length - 1].headers
        .authorization as string;
      if (seenValue === `Bearer ${CANARIES.second}`) break;
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    expect(seenValue).toBe(`Bearer ${CANARIES.second}`);
  });

  it('answers 503 with a message for the operator when the readers leave out proxy', async () => {
    // Needs the value route's readers enforcement (403 NotAllowedError for
    // a plugin outside the readers, merged from main).
    await setSecret('CATALOG_ONLY_TOKEN', CANARIES.refused);
    const res = await get('/api/proxy/refused/z', { Authorization: user });
    expect(res.status).toBe(503);
    expect(res.body.error.message).toBe(
      "Proxy endpoint /refused is unavailable: the secrets backend refused to let the proxy plugin read secret CATALOG_ONLY_TOKEN (NotAllowedError). An operator adds 'proxy' to the secret's readers: secrets.readers.CATALOG_ONLY_TOKEN in app-config, or the readers of its definition.",
    );
    expect(upstream.received).toEqual([]);
    expect(logs.text()).toContain(
      'Secret CATALOG_ONLY_TOKEN is used by secrets.proxy.endpoints[\\"/refused\\"].headers.X-Api-Key, but its readers (catalog) do not include the proxy plugin',
    );
  });
});
