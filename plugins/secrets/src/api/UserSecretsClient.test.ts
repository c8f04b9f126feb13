import { mockApis, registerMswTestHooks } from '@backstage/frontend-test-utils';
import { ResponseError } from '@backstage/errors';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import { UserSecretsClient } from './UserSecretsClient';
import { userFixtures } from '../__testUtils__/fixtures';

const baseUrl = 'http://localhost:7007/api/secrets';

describe('UserSecretsClient', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const client = new UserSecretsClient({
    discoveryApi: mockApis.discovery({ baseUrl: 'http://localhost:7007' }),
    fetchApi: mockApis.fetch(),
  });

  it('lists the signed-in user’s secrets', async () => {
    server.use(
      rest.get(`${baseUrl}/user/secrets`, (_req, res, ctx) =>
        res(ctx.json({ items: [userFixtures.unset] })),
      ),
    );
    await expect(client.listUserSecrets()).resolves.toEqual({
      items: [userFixtures.unset],
    });
  });

  it('sends the value and the expected version, and nothing else', async () => {
    let body: unknown;
    let contentType: string | null = null;
    server.use(
      rest.put(
        `${baseUrl}/user/secrets/PERSONAL_OPENAI_API_KEY`,
        async (req, res, ctx) => {
          body = await req.json();
          contentType = req.headers.get('content-type');
          return res(
            ctx.json({ ...userFixtures.unset, set: true, version: 1 }),
          );
        },
      ),
    );
    const saved = await client.setUserSecret('PERSONAL_OPENAI_API_KEY', {
      value: 'test-value',
      expectedVersion: 0,
    });
    expect(body).toEqual({ value: 'test-value', expectedVersion: 0 });
    expect(contentType).toBe('application/json');
    expect(saved.set).toBe(true);
  });

  it('clears with DELETE', async () => {
    const paths: string[] = [];
    server.use(
      rest.delete(`${baseUrl}/user/secrets/:name`, (req, res, ctx) => {
        paths.push(req.url.pathname);
        return res(ctx.status(204));
      }),
    );
    await client.clearUserSecret('A/../B');
    expect(paths).toEqual(['/api/secrets/user/secrets/A%2F..%2FB']);
  });

  it('allows and revokes a plugin with PUT .../grants/:pluginId', async () => {
    const calls: { path: string; body: unknown }[] = [];
    server.use(
      rest.put(
        `${baseUrl}/user/secrets/:name/grants/:pluginId`,
        async (req, res, ctx) => {
          calls.push({ path: req.url.pathname, body: await req.json() });
          return res(ctx.json(userFixtures.setAndAllowed));
        },
      ),
    );
    await client.setUserSecretGrant(
      'PERSONAL_GITHUB_TOKEN',
      'example-consumer',
      true,
    );
    await client.setUserSecretGrant('PERSONAL_GITHUB_TOKEN', 'a/b', false);
    expect(calls).toEqual([
      {
        path: '/api/secrets/user/secrets/PERSONAL_GITHUB_TOKEN/grants/example-consumer',
        body: { allowed: true },
      },
      {
        path: '/api/secrets/user/secrets/PERSONAL_GITHUB_TOKEN/grants/a%2Fb',
        body: { allowed: false },
      },
    ]);
  });

  it('turns an error body into a ResponseError with the server message', async () => {
    server.use(
      rest.put(`${baseUrl}/user/secrets/:name`, (_req, res, ctx) =>
        res(
          ctx.status(409),
          ctx.json({
            error: { name: 'ConflictError', message: 'Your value changed' },
            response: { statusCode: 409 },
          }),
        ),
      ),
    );
    const error = await client
      .setUserSecret('X', { value: 'x', expectedVersion: 0 })
      .catch(e => e);
    expect(ResponseError.is(error)).toBe(true);
    expect(error.statusCode).toBe(409);
    expect(error.cause.message).toBe('Your value changed');
  });

  it('has no way to read a value', () => {
    const methods = Object.getOwnPropertyNames(UserSecretsClient.prototype);
    expect(methods.sort()).toEqual(
      [
        'clearUserSecret',
        'constructor',
        'listUserSecrets',
        'setUserSecret',
        'setUserSecretGrant',
      ].sort(),
    );
  });
});
