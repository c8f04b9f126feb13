import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { DefaultSecretsClient } from './DefaultSecretsClient';
import { useFakeClock } from './__testUtils__/fakeClock';
import { startFakeBackend } from './__testUtils__/fakeSecretsBackend';

describe('DefaultSecretsClient', () => {
  let fake: Awaited<ReturnType<typeof startFakeBackend>>;
  beforeEach(async () => {
    fake = await startFakeBackend();
  });
  afterEach(() => new Promise(resolve => fake.server.close(resolve)));
  afterEach(() => jest.useRealTimers());

  function client(cacheTtlMs?: number, cacheMaxEntries?: number) {
    return new DefaultSecretsClient({
      auth: mockServices.auth({ pluginId: 'consumer' }),
      discovery: {
        getBaseUrl: async () => fake.baseUrl,
        getExternalBaseUrl: async () => fake.baseUrl,
      },
      cacheTtlMs,
      cacheMaxEntries,
    });
  }

  it('reads a value with a plugin token for the secrets plugin', async () => {
    fake.values.set('API_KEY', 'v1');
    expect(await client().getSecret('API_KEY')).toBe('v1');
    expect(fake.requests).toEqual([
      {
        url: '/secrets/API_KEY/value',
        authorization: expect.stringMatching(/^Bearer .+/),
      },
    ]);
    expect(fake.requests[0].authorization).toContain('plugin:consumer');
    expect(fake.requests[0].authorization).toContain('secrets');
  });

  it('answers undefined for an unset secret and requireSecret passes the backend message on', async () => {
    const c = client(0);
    expect(await c.getSecret('MISSING')).toBeUndefined();
    await expect(c.requireSecret('MISSING')).rejects.toMatchObject({
      name: 'NotFoundError',
      message: 'Secret MISSING is not set. An admin can set it.',
    });
  });

  it('reuses an answer within the TTL, shares concurrent requests, and refetches after it', async () => {
    useFakeClock();
    fake.values.set('API_KEY', 'v1');
    const c = client(200);
    const reads = await Promise.all(
      Array.from({ length: 50 }, () => c.getSecret('API_KEY')),
    );
    expect(new Set(reads)).toEqual(new Set(['v1']));
    expect(fake.requests).toHaveLength(1);

    fake.values.set('API_KEY', 'v2');
    jest.advanceTimersByTime(199);
    expect(await c.getSecret('API_KEY')).toBe('v1'); // still fresh
    expect(fake.requests).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(await c.getSecret('API_KEY')).toBe('v2'); // 200 ms after the answer
    expect(fake.requests).toHaveLength(2);
  });

  it('keeps at most cacheMaxEntries answers and re-reads the least recently read first', async () => {
    for (const name of ['A', 'B', 'C']) fake.values.set(name, name);
    const c = client(10_000, 2);
    await c.getSecret('A');
    await c.getSecret('B');
    await c.getSecret('A'); // kept; B is now the least recently read
    await c.getSecret('C'); // evicts B
    expect(fake.requests.map(r => r.url)).toEqual([
      '/secrets/A/value',
      '/secrets/B/value',
      '/secrets/C/value',
    ]);
    await c.getSecret('A'); // still kept
    await c.getSecret('B'); // evicted: read again
    expect(fake.requests.map(r => r.url).slice(3)).toEqual([
      '/secrets/B/value',
    ]);
  });

  it('never reuses an error', async () => {
    fake.values.set('API_KEY', 'v1');
    const c = client(10_000);
    fake.failOnce();
    await expect(c.getSecret('API_KEY')).rejects.toMatchObject({
      name: 'ResponseError',
    });
    expect(await c.getSecret('API_KEY')).toBe('v1');
  });

  it('reuses its own plugin token across reads, also when a read passes onBehalfOf for a shared secret', async () => {
    fake.values.set('API_KEY', 'v1');
    const auth = mockServices.auth({ pluginId: 'consumer' });
    const issue = jest.spyOn(auth, 'getPluginRequestToken');
    const c = new DefaultSecretsClient({
      auth,
      discovery: {
        getBaseUrl: async () => fake.baseUrl,
        getExternalBaseUrl: async () => fake.baseUrl,
      },
      cacheTtlMs: 0,
    });
    for (let i = 0; i < 5; i++) await c.getSecret('API_KEY');
    await c.getSecret('API_KEY', {
      onBehalfOf: mockCredentials.user('user:default/bob'),
    });
    expect(fake.requests).toHaveLength(6);
    expect(issue).toHaveBeenCalledTimes(1);
  });

  it('reads a shared secret with its own token and cache, never with a user token', async () => {
    fake.values.set('API_KEY', 'v1');
    const c = client(10_000);
    const onBehalfOf = mockCredentials.user('user:default/bob');
    await c.getSecret('API_KEY', { onBehalfOf });
    await c.getSecret('API_KEY', { onBehalfOf });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0].authorization).not.toContain('user:default/bob');
  });
});
