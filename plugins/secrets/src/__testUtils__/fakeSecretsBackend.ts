import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { rest } from 'msw';
import type { SetupServer } from 'msw/node';

export const BACKEND_URL = 'http://localhost:7007';
const base = `${BACKEND_URL}/api/secrets`;

export type RecordedRequest = {
  method: string;
  path: string;
  body?: unknown;
};

const errorBody = (statusCode: number, name: string, message: string) => ({
  error: { name, message },
  request: { method: 'PUT', url: '/secrets' },
  response: { statusCode },
});

/**
 * An in-memory stand-in for the secrets REST API, enough to drive the page
 * through its flows. It records every request so that tests can check what
 * the page sent (and that it never asked for a value).
 */
export class FakeSecretsBackend {
  readonly requests: RecordedRequest[] = [];
  readonly secrets = new Map<string, SecretSummary>();
  /** The user the fake records as the author of changes. */
  actor = 'user:default/alice';
  /** Set to make the next list request fail with this status. */
  failNextList?: { status: number; name: string; message: string };
  /** Set to make the next PUT fail with this status. */
  failNextPut?: { status: number; name: string; message: string };
  /** Set to make the next DELETE fail with this status. */
  failNextDelete?: { status: number; name: string; message: string };

  constructor(initial: SecretSummary[]) {
    for (const secret of initial) {
      this.secrets.set(secret.name, { ...secret });
    }
  }

  /** Simulates another admin saving a new version meanwhile. */
  changeBehindTheScenes(name: string, actor: string) {
    const current = this.secrets.get(name)!;
    this.secrets.set(name, {
      ...current,
      source: 'database',
      version: (current.version ?? 0) + 1,
      updatedAt: new Date().toISOString(),
      updatedBy: actor,
    });
  }

  install(server: SetupServer) {
    server.use(
      rest.all(`${base}/*`, (req, _res, _ctx) => {
        // Runs first for every request, then falls through to the handlers.
        this.requests.push({
          method: req.method,
          path: req.url.pathname.replace('/api/secrets', ''),
        });
        return undefined;
      }),
      rest.get(`${base}/secrets`, (_req, res, ctx) => {
        if (this.failNextList) {
          const { status, name, message } = this.failNextList;
          this.failNextList = undefined;
          return res(
            ctx.status(status),
            ctx.json(errorBody(status, name, message)),
          );
        }
        return res(ctx.json({ items: [...this.secrets.values()] }));
      }),
      rest.put(`${base}/secrets/:name`, async (req, res, ctx) => {
        const body = (await req.json()) as {
          value: string;
          expectedVersion?: number;
        };
        this.requests[this.requests.length - 1].body = body;
        const name = String(req.params.name);
        if (this.failNextPut) {
          const { status, name: errorName, message } = this.failNextPut;
          this.failNextPut = undefined;
          return res(
            ctx.status(status),
            ctx.json(errorBody(status, errorName, message)),
          );
        }
        const current = this.secrets.get(name);
        if (!current || !current.registered) {
          return res(
            ctx.status(404),
            ctx.json(errorBody(404, 'NotFoundError', `No secret ${name}`)),
          );
        }
        const version = current.version ?? 0;
        if (
          body.expectedVersion !== undefined &&
          body.expectedVersion !== version
        ) {
          return res(
            ctx.status(409),
            ctx.json(
              errorBody(
                409,
                'ConflictError',
                `${name} is at version ${version}, not ${body.expectedVersion}`,
              ),
            ),
          );
        }
        const now = new Date().toISOString();
        const saved: SecretSummary = {
          ...current,
          source: current.source === 'unset' ? 'database' : current.source,
          error: undefined,
          version: version + 1,
          createdAt: current.createdAt ?? now,
          createdBy: current.createdBy ?? this.actor,
          updatedAt: now,
          updatedBy: this.actor,
        };
        this.secrets.set(name, saved);
        return res(ctx.json(saved));
      }),
      rest.delete(`${base}/secrets/:name`, (req, res, ctx) => {
        const name = String(req.params.name);
        if (this.failNextDelete) {
          const { status, name: errorName, message } = this.failNextDelete;
          this.failNextDelete = undefined;
          return res(
            ctx.status(status),
            ctx.json(errorBody(status, errorName, message)),
          );
        }
        const current = this.secrets.get(name);
        if (!current) {
          return res(ctx.status(404));
        }
        if (current.registered) {
          this.secrets.set(name, {
            name: current.name,
            registered: true,
            scope: 'shared',
            description: current.description,
            obtainUrl: current.obtainUrl,
            obtainLabel: current.obtainLabel,
            format: current.format,
            source: 'unset',
          });
        } else {
          this.secrets.delete(name);
        }
        return res(ctx.status(204));
      }),
    );
  }

  /** Every body the page sent, as text: to search it for values. */
  sentBodies(): string {
    return JSON.stringify(this.requests.map(r => r.body ?? null));
  }
}
