import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mockCredentials } from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import { plantCanary } from './canaries';
import { ADMIN, NON_ADMIN } from './testBackend';

/**
 * Helpers for the adversarial suites (hostileInput, permissionMatrix): a raw
 * HTTP client (no URL normalisation, exact bytes and headers), a transcript
 * of every answer for the canary sweep, canary values, and a probe of the
 * stored state.
 */

/** The Authorization header of each kind of caller. */
export const CALLER_HEADERS = {
  /** Explicitly unauthenticated (no header would be a default mock user). */
  anonymous: mockCredentials.none.header(),
  /** A signed-in user without manage-secrets. */
  nonAdmin: mockCredentials.user.header(NON_ADMIN),
  /** A signed-in user with manage-secrets (see adminOnlyPermissions). */
  admin: mockCredentials.user.header(ADMIN),
  /** A backend plugin's service token. */
  plugin: mockCredentials.service.header({
    onBehalfOf: mockCredentials.service('plugin:catalog'),
    targetPluginId: 'secrets',
  }),
  /**
   * Another backend plugin's service token: not among the readers where a
   * test narrows them to `catalog`.
   */
  pluginNonReader: mockCredentials.service.header({
    onBehalfOf: mockCredentials.service('plugin:scaffolder'),
    targetPluginId: 'secrets',
  }),
  /** An external static access token. */
  external: mockCredentials.service.header({
    onBehalfOf: mockCredentials.service('external:ci-bot'),
    targetPluginId: 'secrets',
  }),
  /** A user token a plugin obtained on behalf of a (non-admin) user. */
  onBehalfOf: `Bearer ${mockCredentials.user.token(NON_ADMIN, {
    actor: { subject: 'plugin:catalog' },
  })}`,
  /** A user token on behalf of the admin, issued to a plugin. */
  onBehalfOfAdmin: `Bearer ${mockCredentials.user.token(ADMIN, {
    actor: { subject: 'plugin:catalog' },
  })}`,
  /** A user token whose actor is not a plugin. */
  actorNotPlugin: `Bearer ${mockCredentials.user.token(NON_ADMIN, {
    actor: { subject: 'external:ci-bot' },
  })}`,
  /** A token that does not verify. */
  invalidToken: mockCredentials.user.invalidHeader(),
  /** A plugin's service token minted for another plugin. */
  wrongAudience: mockCredentials.service.header({
    onBehalfOf: mockCredentials.service('plugin:catalog'),
    targetPluginId: 'catalog',
  }),
} as const;

export type CallerName = keyof typeof CALLER_HEADERS;

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
  /** The parsed body, when it is JSON. */
  json?: any;
}

export interface RawRequest {
  method: string;
  /** Sent as is: no normalisation, no encoding. */
  path: string;
  headers?: Record<string, string | undefined>;
  body?: string | Buffer;
  agent?: http.Agent | false;
}

/**
 * One HTTP request with exactly the given method, path, headers and body
 * bytes. Resolves with the answer even when the server answers before it has
 * read the whole body (e.g. 413) and the rest of the upload fails.
 */
export function rawRequest(
  server: http.Server,
  options: RawRequest,
): Promise<RawResponse> {
  const { port } = server.address() as AddressInfo;
  let body: Buffer | undefined;
  if (typeof options.body === 'string') {
    body = Buffer.from(options.body, 'utf8');
  } else {
    body = options.body;
  }
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.headers ?? {})) {
    if (value !== undefined) headers[key] = value;
  }
  const given = lowerKeys(headers);
  if (
    body !== undefined &&
    !('content-length' in given) &&
    !('transfer-encoding' in given)
  ) {
    headers['Content-Length'] = String(body.length);
  }
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: options.method,
        path: options.path,
        headers,
        agent: options.agent,
      },
      res => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', chunk => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const buffer = Buffer.concat(chunks);
          const text = buffer.toString('utf8');
          let json: any;
          if (/json/.test(String(res.headers['content-type'] ?? ''))) {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: buffer,
            text,
            json,
          });
        });
      },
    );
    req.on('error', error => {
      if (!answered) reject(error);
    });
    if (body !== undefined) {
      req.end(body);
    } else {
      req.end();
    }
  });
}

function lowerKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]),
  );
}

/**
 * Percent-encodes every UTF-8 byte of a string except RFC 3986 unreserved
 * characters. Unlike encodeURIComponent it never throws: an unpaired
 * surrogate becomes the bytes of U+FFFD, as Node would send it.
 */
export function percentEncodeUtf8(input: string): string {
  let out = '';
  for (const byte of Buffer.from(input, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(char)
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** What the server sees of a string after the UTF-8 round trip. */
export function utf8RoundTrip(input: string): string {
  return Buffer.from(input, 'utf8').toString('utf8');
}

/** One recorded exchange. */
export interface TranscriptEntry {
  caller: string;
  method: string;
  path: string;
  status: number;
  /** Response headers and body, as text. */
  text: string;
  /** True for a value read answered to a caller entitled to values. */
  mayHoldValue: boolean;
}

/**
 * Every answer of a suite, so that a final sweep can search the ones given
 * to callers not entitled to values for canaries.
 */
export class Transcript {
  readonly entries: TranscriptEntry[] = [];

  record(
    caller: string,
    method: string,
    path: string,
    res: RawResponse,
    entitledToValues: boolean,
  ): void {
    const isValueRead =
      /^(GET|HEAD)$/i.test(method) && /\/value\/?(\?.*)?$/i.test(path);
    this.entries.push({
      caller,
      method,
      path,
      status: res.status,
      text: `${JSON.stringify(res.headers)}\n${res.text}`,
      mayHoldValue: entitledToValues && isValueRead && res.status === 200,
    });
  }

  /** Everything answered to callers (or on routes) that must never see a value. */
  userFacing(): TranscriptEntry[] {
    return this.entries.filter(entry => !entry.mayHoldValue);
  }
}

/**
 * Unique, recognisable marker strings to plant in submitted values. ASCII
 * only, lower case and with a dash, so they survive JSON escaping verbatim
 * and can never be a valid secret name.
 */
export class Canaries {
  #count = 0;

  constructor(readonly prefix: string) {
    if (!/^[a-z0-9]+-$/.test(prefix)) {
      throw new Error(`Bad canary prefix ${prefix}`);
    }
    // Every canary starts with the prefix: the per-file sweep of
    // src/setupTests.ts then looks for all of them in every LogCapture.
    plantCanary(prefix);
  }

  next(): string {
    this.#count += 1;
    return `${this.prefix}${this.#count.toString(36)}x`;
  }

  get issued(): number {
    return this.#count;
  }

  /** The entries and log lines that contain any canary of this factory. */
  findIn(texts: string[]): string[] {
    return texts.filter(text => text.includes(this.prefix));
  }
}

/** The stored state, as the API and the table show it, keyed by name. */
export interface StateSnapshot {
  /** GET /secrets as the admin, without the in-memory last-used fields. */
  list: Record<string, Record<string, unknown>>;
  /** What a backend plugin reads for each probed name (null: 404). */
  values: Record<string, string | null>;
  /** The raw rows, ciphertext included. */
  rows: Record<string, Record<string, unknown>>;
}

/**
 * Reads the stored state through the API (list + plugin reads) and the
 * table. Reads change only the in-memory last-used records, which the
 * snapshot leaves out.
 */
export class StateProbe {
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(
    private readonly server: http.Server,
    private readonly knex: Knex,
    private readonly names: string[],
  ) {}

  async snapshot(): Promise<StateSnapshot> {
    const listed = await rawRequest(this.server, {
      method: 'GET',
      path: '/api/secrets/secrets',
      headers: { Authorization: CALLER_HEADERS.admin },
      agent: this.#agent,
    });
    if (listed.status !== 200) {
      throw new Error(`Listing failed: ${listed.status} ${listed.text}`);
    }
    const list: StateSnapshot['list'] = {};
    for (const item of listed.json.items as Array<Record<string, unknown>>) {
      const rest = { ...item };
      delete rest.lastUsedAt;
      delete rest.lastUsedBy;
      delete rest.lastUsedVia;
      list[String(item.name)] = rest;
    }
    const values: StateSnapshot['values'] = {};
    for (const name of this.names) {
      const read = await rawRequest(this.server, {
        method: 'GET',
        path: `/api/secrets/secrets/${name}/value`,
        headers: { Authorization: CALLER_HEADERS.plugin },
        agent: this.#agent,
      });
      if (read.status === 200) {
        values[name] = read.json.value;
      } else if (read.status === 404) {
        values[name] = null;
      } else {
        throw new Error(`Reading ${name} failed: ${read.status} ${read.text}`);
      }
    }
    const rows: StateSnapshot['rows'] = {};
    for (const row of await this.knex('secrets').select(
      'name',
      'key_id',
      'version',
      'ciphertext',
      'created_at',
      'created_by',
      'updated_at',
      'updated_by',
    )) {
      rows[row.name] = { ...row, version: Number(row.version) };
    }
    return { list, values, rows };
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** A change a request is expected to make, or none. */
export type Outcome =
  | { kind: 'none' }
  | { kind: 'set'; name: string; value: string; actor: string }
  | { kind: 'clear'; name: string; actor?: string };

/**
 * The snapshot expected after an outcome: unchanged, or one secret set
 * (version + 1, value reads back exactly) or cleared, everything else
 * exactly as before. Timestamps and ciphertexts of the changed row are
 * matched by type only.
 */
export function predictSnapshot(
  before: StateSnapshot,
  outcome: Outcome,
): StateSnapshot {
  const next: StateSnapshot = {
    list: { ...before.list },
    values: { ...before.values },
    rows: { ...before.rows },
  };
  if (outcome.kind === 'set') {
    const { name, value, actor } = outcome;
    const item = before.list[name];
    const row = before.rows[name];
    // Versions continue after a clear (the row stays as a tombstone), and
    // a value set after a clear is created anew.
    const version = Number(row?.version ?? 0) + 1;
    const live = row !== undefined && row.ciphertext !== null;
    next.values[name] = value;
    next.list[name] = {
      ...item,
      source: 'database',
      version,
      createdAt: live ? item?.createdAt : expect.any(String),
      createdBy: live ? item?.createdBy : actor,
      updatedAt: expect.any(String),
      updatedBy: actor,
    };
    next.rows[name] = {
      name,
      key_id: 'test',
      version,
      ciphertext: expect.any(String),
      created_at: live ? row.created_at : expect.any(String),
      created_by: live ? row.created_by : actor,
      updated_at: expect.any(String),
      updated_by: actor,
    };
  } else if (outcome.kind === 'clear') {
    const { name } = outcome;
    const item = { ...before.list[name] };
    for (const key of [
      'version',
      'createdAt',
      'createdBy',
      'updatedAt',
      'updatedBy',
      'error',
    ]) {
      delete item[key];
    }
    next.values[name] = null;
    next.list[name] = { ...item, source: 'unset' };
    // The row stays as a tombstone that keeps the version: no ciphertext,
    // no key, the clear recorded as its last change.
    const row = before.rows[name];
    if (row && row.ciphertext !== null) {
      next.rows[name] = {
        ...row,
        ciphertext: null,
        key_id: null,
        updated_at: expect.any(String),
        updated_by: outcome.actor ?? expect.any(String),
      };
    }
  }
  return next;
}
