import type {
  CheckSecretResponse,
  SecretSummary,
  SecretVersion,
} from '@backstage-secrets/plugin-secrets-common';
import { rest } from 'msw';
import type { SetupServer } from 'msw/node';

export const BACKEND_URL = 'http://localhost:7007';
const base = `${BACKEND_URL}/api/secrets`;

export type RecordedRequest = {
  method: string;
  path: string;
  /** e.g. `?purge=true`; absent when the URL has no query */
  query?: string;
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
  /** What the list says of the permission policy (`everyoneMayManage`). */
  everyoneMayManage = false;
  /** Set to make the next list request fail with this status. */
  failNextList?: { status: number; name: string; message: string };
  /** Set to make the next PUT fail with this status. */
  failNextPut?: { status: number; name: string; message: string };
  /** Set to make the next DELETE fail with this status. */
  failNextDelete?: { status: number; name: string; message: string };
  /** The stored versions of each secret, newest first. */
  readonly versions = new Map<string, SecretVersion[]>();
  /**
   * The values the fake "stores", by secret and version: never to be seen
   * in anything the page receives.
   */
  readonly values = new Map<string, Map<number, string>>();
  /**
   * The provider's verdict on values, by secret name: a PUT of a value it
   * refuses answers 422 (unless skipValidation), and a check of a stored
   * value it refuses answers ok: false with this message.
   */
  readonly provider = new Map<string, (value: string) => string | undefined>();

  constructor(initial: SecretSummary[]) {
    for (const secret of initial) {
      this.secrets.set(secret.name, { ...secret });
    }
  }

  /** Simulates another admin saving a new version meanwhile. */
  changeBehindTheScenes(name: string, actor: string) {
    this.#write(name, `changed-by-${actor}`, actor);
  }

  /** Gives a secret stored versions 1..n (values `${name}-v${n}`). */
  seedVersions(name: string, authors: string[]) {
    authors.forEach((author, index) =>
      this.#write(name, `${name}-server-v${index + 1}`, author),
    );
  }

  /** Stores a value as a new version, as the backend would. */
  #write(name: string, value: string, actor: string, restoredFrom?: number) {
    const current = this.secrets.get(name)!;
    const history = this.versions.get(name) ?? [];
    const version =
      Math.max(current.version ?? 0, history[0]?.version ?? 0) + 1;
    const now = new Date().toISOString();
    const entry: SecretVersion = { version, createdAt: now, createdBy: actor };
    if (restoredFrom !== undefined) {
      entry.restoredFrom = restoredFrom;
    }
    this.versions.set(name, [entry, ...history]);
    const values = this.values.get(name) ?? new Map<number, string>();
    values.set(version, value);
    this.values.set(name, values);
    const saved: SecretSummary = {
      ...current,
      source: current.source === 'unset' ? 'database' : current.source,
      error: undefined,
      version,
      createdAt: current.createdAt ?? now,
      createdBy: current.createdBy ?? actor,
      updatedAt: now,
      updatedBy: actor,
    };
    this.secrets.set(name, saved);
    return saved;
  }

  /** Every value the fake holds, to search what the page got for them. */
  storedValues(): string[] {
    return [...this.values.values()].flatMap(v => [...v.values()]);
  }

  install(server: SetupServer) {
    server.use(
      rest.all(`${base}/*`, (req, _res, _ctx) => {
        // Runs first for every request, then falls through to the handlers.
        this.requests.push({
          method: req.method,
          path: req.url.pathname.replace('/api/secrets', ''),
          ...(req.url.search ? { query: req.url.search } : {}),
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
        return res(
          ctx.json({
            items: [...this.secrets.values()],
            ...(this.everyoneMayManage ? { everyoneMayManage: true } : {}),
          }),
        );
      }),
      rest.put(`${base}/secrets/:name`, async (req, res, ctx) => {
        const body = (await req.json()) as {
          value: string;
          expectedVersion?: number;
          skipValidation?: boolean;
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
        const refusal = body.skipValidation
          ? undefined
          : this.provider.get(name)?.(body.value);
        if (refusal) {
          // The provider's message, never the value.
          return res(
            ctx.status(422),
            ctx.json(errorBody(422, 'SecretValidationError', refusal)),
          );
        }
        return res(ctx.json(this.#write(name, body.value, this.actor)));
      }),
      // The backend's value route, which only plugins' service tokens may
      // read: the page must never call it. The fake answers it with the
      // stored value, so that a page that did would be caught holding one.
      rest.get(`${base}/secrets/:name/value`, (req, res, ctx) => {
        const name = String(req.params.name);
        const version = this.secrets.get(name)?.version ?? -1;
        const value = this.values.get(name)?.get(version);
        if (value === undefined) {
          return res(
            ctx.status(404),
            ctx.json(errorBody(404, 'NotFoundError', `No value of ${name}`)),
          );
        }
        return res(ctx.json({ value }));
      }),
      rest.get(`${base}/secrets/:name/versions`, (req, res, ctx) => {
        const name = String(req.params.name);
        if (!this.secrets.has(name)) {
          return res(
            ctx.status(404),
            ctx.json(errorBody(404, 'NotFoundError', `No secret ${name}`)),
          );
        }
        return res(ctx.json({ items: this.versions.get(name) ?? [] }));
      }),
      rest.post(
        `${base}/secrets/:name/versions/:version/restore`,
        async (req, res, ctx) => {
          const body = (await req.json()) as { expectedVersion?: number };
          this.requests[this.requests.length - 1].body = body;
          const name = String(req.params.name);
          const from = Number(req.params.version);
          const current = this.secrets.get(name);
          const value = this.values.get(name)?.get(from);
          if (!current || value === undefined) {
            return res(
              ctx.status(404),
              ctx.json(
                errorBody(404, 'NotFoundError', `No v${from} of ${name}`),
              ),
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
          return res(ctx.json(this.#write(name, value, this.actor, from)));
        },
      ),
      rest.post(`${base}/secrets/:name/check`, (req, res, ctx) => {
        const name = String(req.params.name);
        const current = this.secrets.get(name);
        const stored = this.values.get(name)?.get(current?.version ?? -1);
        if (!current || stored === undefined) {
          return res(
            ctx.status(404),
            ctx.json(errorBody(404, 'NotFoundError', `No value of ${name}`)),
          );
        }
        const refusal = this.provider.get(name)?.(stored);
        const result: CheckSecretResponse = {
          ok: !refusal,
          checkedAt: new Date().toISOString(),
          ...(refusal ? { message: refusal } : {}),
        };
        this.secrets.set(name, {
          ...current,
          lastCheckedAt: result.checkedAt,
          lastCheckOk: result.ok,
        });
        return res(ctx.json(result));
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
        // As the backend: a stale page clears nothing.
        const expected = req.url.searchParams.get('expectedVersion');
        const live = current.source === 'unset' ? 0 : current.version ?? 0;
        if (expected !== null && Number(expected) !== live) {
          return res(
            ctx.status(409),
            ctx.json(
              errorBody(
                409,
                'ConflictError',
                `Secret ${name} was changed by someone else: it is now at version ${live}, you expected version ${expected}. Reload to see who changed it, then decide whether to replace it.`,
              ),
            ),
          );
        }
        if (req.url.searchParams.get('purge') === 'true') {
          this.versions.delete(name);
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
