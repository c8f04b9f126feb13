import type {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { EventsService } from '@backstage/plugin-events-node';
import {
  NotAllowedError,
  NotFoundError,
  ResponseError,
} from '@backstage/errors';
import {
  SECRET_NOT_REGISTERED_REASON,
  SECRET_REASON_HEADER,
  SECRET_SCOPE_HEADER,
  type SecretValueResponse,
} from '@backstage-secrets/plugin-secrets-common';
import type { SecretReadOptions, SecretsService } from '../SecretsService';
import { ChangeFeed } from './ChangeFeed';

/**
 * How long a read value may be reused without change events (or while the
 * event bus is not trusted); see {@link DefaultSecretsClient}.
 */
export const DEFAULT_CACHE_TTL_MS = 500;

/** How long a value may be kept while change events are trusted. */
export const DEFAULT_MAX_STALENESS_MS = 60_000;

/**
 * How long the plugin's own service token is reused. Backstage plugin
 * tokens are valid for an hour; signing a fresh one costs about as much as
 * the rest of a read, so a minute of reuse removes it from the hot path
 * while staying far inside the token's lifetime.
 */
const OWN_TOKEN_REUSE_MS = 60_000;

/** Internal: the secret turned out to be user-scoped. */
class UserScopedSignal extends Error {}

type Lookup =
  | { found: true; value: string }
  | { found: false; message: string };

interface CacheEntry {
  /** when the backend answered; Infinity while the request is in flight */
  answeredAt: number;
  lookup: Promise<Lookup>;
}

/**
 * The default {@link SecretsService}: reads values from the `secrets`
 * backend plugin over HTTP, authenticated as the calling plugin.
 *
 * Freshness rule: a plugin's reads reuse a value — or the fact that it is
 * unset — until it changes. With `events` (Backstage's events service; the
 * default service factory passes it), the client subscribes to the secrets
 * backend's `secrets.changed` events and drops exactly the names that
 * changed, so a change on any instance is seen by the next read once its
 * event arrived; values are otherwise kept for at most `maxStalenessMs`
 * (default one minute), a safety net for a missed event. While the bus is
 * not trusted (no subscription, or a secrets backend instance stopped
 * sending its heartbeats) and without `events`, a value is reused for at
 * most `cacheTtlMs` (default 500 ms) after the backend answered. A hot loop
 * of reads costs a map lookup; concurrent reads of an expired name share
 * one request. Set `cacheTtlMs: 0` (without events) to disable reuse.
 *
 * Shared secrets are always read with the plugin's own service token: the
 * backend refuses user tokens, including ones obtained on behalf of a user,
 * so that a plugin forwarding user requests cannot hand users its secrets.
 * `onBehalfOf` is therefore ignored for shared secrets. User-scoped secrets
 * (one value per user) are read on behalf of the given user: the first read
 * of such a name learns its scope from the backend's refusal of the
 * plugin's own token, and later reads go straight to the user's value.
 * Users' values are cached per user, never across users, under the same
 * rule: a change event of a user-scoped name (a value set or cleared, a
 * grant revoked) drops it for every user, so a revoked grant or a cleared
 * value is refused from the next read after its event. A read the backend refuses (the plugin is not
 * among the readers, or the user did not allow it) rejects with a
 * `NotAllowedError`; refusals and other errors are never reused.
 *
 * @public
 */
export class DefaultSecretsClient implements SecretsService {
  readonly #auth: AuthService;
  readonly #discovery: DiscoveryService;
  readonly #cacheTtlMs: number;
  readonly #maxStalenessMs: number;
  readonly #feed: ChangeFeed | undefined;
  readonly #cache = new Map<string, CacheEntry>();
  /** Names the backend said hold one value per user. */
  readonly #userScoped = new Set<string>();
  #ownToken: { token: Promise<string>; expiresAt: number } | undefined;

  constructor(options: {
    auth: AuthService;
    discovery: DiscoveryService;
    cacheTtlMs?: number;
    /** change events from the secrets backend; without them, only `cacheTtlMs` */
    events?: EventsService;
    maxStalenessMs?: number;
    logger?: LoggerService;
  }) {
    this.#auth = options.auth;
    this.#discovery = options.discovery;
    this.#cacheTtlMs = Math.max(0, options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS);
    this.#maxStalenessMs = Math.max(
      this.#cacheTtlMs,
      options.maxStalenessMs ?? DEFAULT_MAX_STALENESS_MS,
    );
    this.#feed =
      options.events &&
      new ChangeFeed({
        events: options.events,
        logger: options.logger,
        maxStalenessMs: this.#maxStalenessMs,
        onChanged: name => this.#drop(name),
        // Events may have been missed while the bus was not trusted.
        onTrusted: () => this.#cache.clear(),
      });
  }

  /**
   * Forgets a changed name: the shared value and every user's, answered or
   * in flight (an answer in flight may predate the change).
   */
  #drop(name: string): void {
    const userPrefix = `${name}\u0000`;
    for (const key of this.#cache.keys()) {
      if (key === name || key.startsWith(userPrefix)) this.#cache.delete(key);
    }
  }

  /** How long an answer may be reused right now. */
  #window(now: number): number {
    return this.#feed?.trusted(now) ? this.#maxStalenessMs : this.#cacheTtlMs;
  }

  async getSecret(
    name: string,
    options?: SecretReadOptions,
  ): Promise<string | undefined> {
    const lookup = await this.#lookup(name, options);
    return lookup.found ? lookup.value : undefined;
  }

  async requireSecret(
    name: string,
    options?: SecretReadOptions,
  ): Promise<string> {
    const lookup = await this.#lookup(name, options);
    if (!lookup.found) {
      throw new NotFoundError(lookup.message);
    }
    return lookup.value;
  }

  async #lookup(name: string, options?: SecretReadOptions): Promise<Lookup> {
    const user = options?.onBehalfOf;
    if (user && this.#userScoped.has(name)) {
      return this.#lookupForUser(name, user);
    }
    try {
      return await this.#cached(name, () => this.#fetch(name));
    } catch (error) {
      if (!(error instanceof UserScopedSignal)) throw error;
      // The secret holds one value per user: read the user's, if given.
      this.#userScoped.add(name);
      if (!user) throw new NotAllowedError(error.message);
      return this.#lookupForUser(name, user);
    }
  }

  /** A user's own value, read on their behalf; cached per user, never across. */
  #lookupForUser(name: string, user: BackstageCredentials): Promise<Lookup> {
    const userRef =
      (user.principal as { userEntityRef?: string }).userEntityRef ?? '';
    return this.#cached(`${name}\u0000${userRef}`, () =>
      this.#fetch(name, user),
    );
  }

  /**
   * Reuses an answer within the current window (see the freshness rule),
   * decided at read time so that a bus that stops being trusted shortens
   * every kept value at once; concurrent readers of an expired key share
   * one request. Errors (refusals included) are never reused.
   */
  #cached(key: string, fetchLookup: () => Promise<Lookup>): Promise<Lookup> {
    const now = Date.now();
    const window = this.#window(now);
    if (window === 0) {
      return fetchLookup();
    }
    const cached = this.#cache.get(key);
    if (cached && now - cached.answeredAt < window) {
      return cached.lookup;
    }
    const lookup = fetchLookup();
    // Until the request settles, concurrent readers share it; afterwards
    // the answer is reused, counted from the answer.
    const entry: CacheEntry = { answeredAt: Number.POSITIVE_INFINITY, lookup };
    this.#cache.set(key, entry);
    lookup.then(
      () => {
        entry.answeredAt = Date.now();
      },
      () => {
        if (this.#cache.get(key) === entry) this.#cache.delete(key);
      },
    );
    return lookup;
  }

  /** The plugin's own token for the secrets plugin, reused for a minute. */
  async #token(): Promise<string> {
    const now = Date.now();
    if (!this.#ownToken || this.#ownToken.expiresAt <= now) {
      const token = this.#auth
        .getOwnServiceCredentials()
        .then(credentials =>
          this.#auth.getPluginRequestToken({
            onBehalfOf: credentials,
            targetPluginId: 'secrets',
          }),
        )
        .then(result => result.token);
      const entry = { token, expiresAt: now + OWN_TOKEN_REUSE_MS };
      this.#ownToken = entry;
      token.catch(() => {
        if (this.#ownToken === entry) this.#ownToken = undefined;
      });
    }
    return this.#ownToken.token;
  }

  /** A token on behalf of a user, for that user's own value. */
  async #userToken(user: BackstageCredentials): Promise<string> {
    const { token } = await this.#auth.getPluginRequestToken({
      onBehalfOf: user,
      targetPluginId: 'secrets',
    });
    return token;
  }

  async #fetch(name: string, user?: BackstageCredentials): Promise<Lookup> {
    const [baseUrl, token] = await Promise.all([
      this.#discovery.getBaseUrl('secrets'),
      user ? this.#userToken(user) : this.#token(),
    ]);
    const response = await fetch(
      `${baseUrl}/secrets/${encodeURIComponent(name)}/value`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    if (response.status === 404) {
      // "Registered but unset" reads as unset, as a missing config value
      // would; the backend's message says where an admin sets it. A name
      // that no plugin declares (the backend marks that 404 with a reason
      // header) is a programming error: reject, naming it.
      const error = await ResponseError.fromResponse(response);
      const message = error.body?.error?.message;
      if (
        response.headers.get(SECRET_REASON_HEADER) ===
        SECRET_NOT_REGISTERED_REASON
      ) {
        throw new NotFoundError(message ?? `Secret ${name} is not registered.`);
      }
      return {
        found: false,
        message: message ?? `Secret ${name} is not set.`,
      };
    }
    if (response.status === 403) {
      // Not among the secret's readers, or not allowed by the user: an
      // operator's or user's decision, to be seen, not mistaken for
      // "unset". The message names plugin and secret.
      const error = await ResponseError.fromResponse(response);
      const message =
        error.body?.error?.message ??
        `This plugin may not read secret ${name}.`;
      if (!user && response.headers.get(SECRET_SCOPE_HEADER) === 'user') {
        throw new UserScopedSignal(message);
      }
      throw new NotAllowedError(message);
    }
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    const body = (await response.json()) as SecretValueResponse;
    return { found: true, value: body.value };
  }
}
