import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { NotFoundError, ResponseError } from '@backstage/errors';
import {
  SECRET_NOT_REGISTERED_REASON,
  SECRET_REASON_HEADER,
  type SecretValueResponse,
} from '@backstage-secrets/plugin-secrets-common';
import type { SecretReadOptions, SecretsService } from '../service';

/** How long a read value may be reused; see {@link DefaultSecretsClient}. */
export const DEFAULT_CACHE_TTL_MS = 500;

/**
 * How long the plugin's own service token is reused. Backstage plugin
 * tokens are valid for an hour; signing a fresh one costs about as much as
 * the rest of a read, so a minute of reuse removes it from the hot path
 * while staying far inside the token's lifetime.
 */
const OWN_TOKEN_REUSE_MS = 60_000;

type Lookup =
  | { found: true; value: string }
  | { found: false; message: string };

interface CacheEntry {
  expiresAt: number;
  lookup: Promise<Lookup>;
}

/**
 * The default {@link SecretsService}: reads values from the `secrets`
 * backend plugin over HTTP, authenticated as the calling plugin.
 *
 * Freshness rule: a plugin's own reads (not on behalf of a user) reuse a
 * value — or the fact that it is unset — for at most `cacheTtlMs`
 * (default 500 ms) after the backend answered. A change made on any
 * instance is therefore seen by every reader within that time plus one
 * round trip, and a hot loop of reads costs a map lookup. Concurrent reads
 * of an expired name share one request. Reads on behalf of a user always go
 * to the backend, so the last user is recorded. Set `cacheTtlMs: 0` to
 * disable reuse.
 *
 * @public
 */
export class DefaultSecretsClient implements SecretsService {
  readonly #auth: AuthService;
  readonly #discovery: DiscoveryService;
  readonly #cacheTtlMs: number;
  readonly #cache = new Map<string, CacheEntry>();
  #ownToken: { token: Promise<string>; expiresAt: number } | undefined;

  constructor(options: {
    auth: AuthService;
    discovery: DiscoveryService;
    cacheTtlMs?: number;
  }) {
    this.#auth = options.auth;
    this.#discovery = options.discovery;
    this.#cacheTtlMs = Math.max(0, options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS);
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

  #lookup(name: string, options?: SecretReadOptions): Promise<Lookup> {
    if (options?.onBehalfOf || this.#cacheTtlMs === 0) {
      return this.#fetch(name, options);
    }
    const now = Date.now();
    const cached = this.#cache.get(name);
    if (cached && cached.expiresAt > now) {
      return cached.lookup;
    }
    const lookup = this.#fetch(name);
    // Until the request settles, concurrent readers share it; afterwards
    // the answer is reused for the TTL, counted from the answer.
    const entry: CacheEntry = { expiresAt: Number.POSITIVE_INFINITY, lookup };
    this.#cache.set(name, entry);
    lookup.then(
      () => {
        entry.expiresAt = Date.now() + this.#cacheTtlMs;
      },
      () => {
        // Errors are never reused.
        if (this.#cache.get(name) === entry) this.#cache.delete(name);
      },
    );
    return lookup;
  }

  /** A token for the secrets plugin: the plugin's own, or on behalf of a user. */
  async #token(options?: SecretReadOptions): Promise<string> {
    if (options?.onBehalfOf) {
      const { token } = await this.#auth.getPluginRequestToken({
        onBehalfOf: options.onBehalfOf,
        targetPluginId: 'secrets',
      });
      return token;
    }
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

  async #fetch(name: string, options?: SecretReadOptions): Promise<Lookup> {
    const [baseUrl, token] = await Promise.all([
      this.#discovery.getBaseUrl('secrets'),
      this.#token(options),
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
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    const body = (await response.json()) as SecretValueResponse;
    return { found: true, value: body.value };
  }
}
