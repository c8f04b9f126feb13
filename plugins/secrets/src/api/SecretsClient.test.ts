import { mockApis, registerMswTestHooks } from '@backstage/frontend-test-utils';
import { ResponseError } from '@backstage/errors';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import { SecretsClient } from './SecretsClient';
import { fixtures } from '../__testUtils__/fixtures';

const baseUrl = 'http://localhost:7007/api/secrets';

describe('SecretsClient', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const client = new SecretsClient({
    discoveryApi: mockApis.discovery({ baseUrl: 'http://localhost:7007' }),
    fetchApi: mockApis.fetch(),
  });

  it('lists secrets', async () => {
    server.use(
      rest.get(`${baseUrl}/secrets`, (_req, res, ctx) =>
        res(ctx.json({ items: [fixtures.set] })),
      ),
    );
    await expect(client.listSecrets()).resolves.toEqual({
      items: [fixtures.set],
    });
  });

  it('sends the value and the expected version, and nothing else', async () => {
    let body: unknown;
    let contentType: string | null = null;
    server.use(
      rest.put(`${baseUrl}/secrets/OPENAI_API_KEY`, async (req, res, ctx) => {
        body = await req.json();
        contentType = req.headers.get('content-type');
        return res(ctx.json({ ...fixtures.set, version: 4 }));
      }),
    );
    const saved = await client.setSecret('OPENAI_API_KEY', {
      value: 'sk-test',
      expectedVersion: 3,
    });
    expect(body).toEqual({ value: 'sk-test', expectedVersion: 3 });
    expect(contentType).toBe('application/json');
    expect(saved.version).toBe(4);
  });

  it('clears with DELETE, and purges only when asked', async () => {
    const urls: string[] = [];
    server.use(
      rest.delete(`${baseUrl}/secrets/OPENAI_API_KEY`, (req, res, ctx) => {
        urls.push(`${req.url.pathname}${req.url.search}`);
        return res(ctx.status(204));
      }),
    );
    await client.clearSecret('OPENAI_API_KEY');
    await client.clearSecret('OPENAI_API_KEY', { purge: false });
    await client.clearSecret('OPENAI_API_KEY', { purge: true });
    expect(urls).toEqual([
      '/api/secrets/secrets/OPENAI_API_KEY',
      '/api/secrets/secrets/OPENAI_API_KEY',
      '/api/secrets/secrets/OPENAI_API_KEY?purge=true',
    ]);
  });

  it('escapes the name in the path', async () => {
    const paths: string[] = [];
    server.use(
      rest.delete(`${baseUrl}/secrets/:name`, (req, res, ctx) => {
        paths.push(req.url.pathname);
        return res(ctx.status(204));
      }),
    );
    await client.clearSecret('A/../B');
    expect(paths).toEqual(['/api/secrets/secrets/A%2F..%2FB']);
  });

  it('turns an error body into a ResponseError with the server message', async () => {
    server.use(
      rest.put(`${baseUrl}/secrets/OPENAI_API_KEY`, (_req, res, ctx) =>
        res(
          ctx.status(409),
          ctx.json({
            error: {
              name: 'ConflictError',
              message: 'OPENAI_API_KEY is at version 4, not 3',
            },
            response: { statusCode: 409 },
          }),
        ),
      ),
    );
    const error = await client
      .setSecret('OPENAI_API_KEY', { value: 'x', expectedVersion: 3 })
      .catch(e => e);
    expect(ResponseError.is(error)).toBe(true);
    expect(error.statusCode).toBe(409);
    expect(error.cause.name).toBe('ConflictError');
    expect(error.cause.message).toBe('OPENAI_API_KEY is at version 4, not 3');
  });

  it('sends skipValidation only when asked to save without the check', async () => {
    const bodies: unknown[] = [];
    server.use(
      rest.put(`${baseUrl}/secrets/OPENAI_API_KEY`, async (req, res, ctx) => {
        bodies.push(await req.json());
        return res(ctx.json(fixtures.set));
      }),
    );
    await client.setSecret('OPENAI_API_KEY', {
      value: 'sk-1',
      expectedVersion: 3,
      skipValidation: true,
    });
    await client.setSecret('OPENAI_API_KEY', {
      value: 'sk-2',
      expectedVersion: 3,
      skipValidation: false,
    });
    expect(bodies).toEqual([
      { value: 'sk-1', expectedVersion: 3, skipValidation: true },
      { value: 'sk-2', expectedVersion: 3 },
    ]);
  });

  it('keeps the provider message of a failed check (422)', async () => {
    server.use(
      rest.put(`${baseUrl}/secrets/OPENAI_API_KEY`, (_req, res, ctx) =>
        res(
          ctx.status(422),
          ctx.json({
            error: {
              name: 'SecretValidationError',
              message: 'Incorrect API key provided',
            },
            response: { statusCode: 422 },
          }),
        ),
      ),
    );
    const error = await client
      .setSecret('OPENAI_API_KEY', { value: 'x', expectedVersion: 3 })
      .catch(e => e);
    expect(error.statusCode).toBe(422);
    expect(error.cause.message).toBe('Incorrect API key provided');
  });

  it('lists the versions of a secret', async () => {
    const items = [
      {
        version: 4,
        createdAt: '2025-06-03T10:00:00Z',
        createdBy: 'user:default/alice',
        restoredFrom: 2,
      },
      {
        version: 3,
        createdAt: '2025-06-01T10:00:00Z',
        createdBy: 'user:default/bob',
      },
    ];
    server.use(
      rest.get(`${baseUrl}/secrets/OPENAI_API_KEY/versions`, (_req, res, ctx) =>
        res(ctx.json({ items })),
      ),
    );
    await expect(client.listVersions('OPENAI_API_KEY')).resolves.toEqual({
      items,
    });
  });

  it('restores a version with POST, sending only the expected version', async () => {
    const calls: Array<{ path: string; body: unknown; type: string | null }> =
      [];
    server.use(
      rest.post(
        `${baseUrl}/secrets/:name/versions/:version/restore`,
        async (req, res, ctx) => {
          calls.push({
            path: req.url.pathname,
            body: await req.json(),
            type: req.headers.get('content-type'),
          });
          return res(ctx.json({ ...fixtures.set, version: 5 }));
        },
      ),
    );
    const restored = await client.restoreVersion('A/B', 2, {
      expectedVersion: 4,
    });
    expect(restored.version).toBe(5);
    expect(calls).toEqual([
      {
        path: '/api/secrets/secrets/A%2FB/versions/2/restore',
        body: { expectedVersion: 4 },
        type: 'application/json',
      },
    ]);
  });

  it('runs the check with POST and returns its result', async () => {
    const result = {
      ok: false,
      message: 'Invalid token',
      checkedAt: '2025-06-03T10:00:00Z',
    };
    server.use(
      rest.post(`${baseUrl}/secrets/OPENAI_API_KEY/check`, (_req, res, ctx) =>
        res(ctx.json(result)),
      ),
    );
    await expect(client.checkSecret('OPENAI_API_KEY')).resolves.toEqual(result);
  });

  it('has no way to read a value', () => {
    // The page must never ask for a value; the API offers no method for it.
    const methods = Object.getOwnPropertyNames(SecretsClient.prototype);
    expect(methods.sort()).toEqual(
      [
        'checkSecret',
        'clearSecret',
        'constructor',
        'listSecrets',
        'listVersions',
        'restoreVersion',
        'setSecret',
      ].sort(),
    );
  });
});
