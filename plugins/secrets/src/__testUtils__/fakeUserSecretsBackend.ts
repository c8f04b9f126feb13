import type { UserSecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { rest } from 'msw';
import type { SetupServer } from 'msw/node';
import { BACKEND_URL, type RecordedRequest } from './fakeSecretsBackend';

const base = `${BACKEND_URL}/api/secrets/user/secrets`;

/**
 * An in-memory stand-in for the signed-in user's `/user/secrets` routes. It
 * records every request (bodies included) so tests can check what was sent.
 */
export class FakeUserSecretsBackend {
  readonly requests: RecordedRequest[] = [];
  readonly secrets = new Map<string, UserSecretSummary>();
  /** Set to make the next grant request fail. */
  failNextGrant?: { status: number; name: string; message: string };

  constructor(initial: UserSecretSummary[]) {
    for (const secret of initial) {
      this.secrets.set(secret.name, structuredClone(secret));
    }
  }

  install(server: SetupServer) {
    server.use(
      rest.get(base, (req, res, ctx) => {
        this.requests.push({ method: 'GET', path: req.url.pathname });
        return res(ctx.json({ items: [...this.secrets.values()] }));
      }),
      rest.put(`${base}/:name/grants/:pluginId`, async (req, res, ctx) => {
        const body = await req.json();
        this.requests.push({ method: 'PUT', path: req.url.pathname, body });
        if (this.failNextGrant) {
          const { status, name, message } = this.failNextGrant;
          this.failNextGrant = undefined;
          return res(
            ctx.status(status),
            ctx.json({
              error: { name, message },
              response: { statusCode: status },
            }),
          );
        }
        const secret = this.secrets.get(req.params.name as string)!;
        secret.grants = secret.grants.map(g =>
          g.pluginId === req.params.pluginId
            ? { ...g, allowed: body.allowed }
            : g,
        );
        return res(ctx.json(secret));
      }),
      rest.put(`${base}/:name`, async (req, res, ctx) => {
        const body = await req.json();
        this.requests.push({ method: 'PUT', path: req.url.pathname, body });
        const secret = this.secrets.get(req.params.name as string)!;
        secret.set = true;
        secret.version = (secret.version ?? 0) + 1;
        secret.updatedAt = new Date().toISOString();
        return res(ctx.json(secret));
      }),
      rest.delete(`${base}/:name`, (req, res, ctx) => {
        this.requests.push({ method: 'DELETE', path: req.url.pathname });
        const secret = this.secrets.get(req.params.name as string)!;
        secret.set = false;
        secret.updatedAt = undefined;
        return res(ctx.status(204));
      }),
    );
    return this;
  }
}
