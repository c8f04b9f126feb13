import type {
  AuthService,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import type { EventsService } from '@backstage/plugin-events-node';
import type { SecretReadOptions, SecretsService } from '../SecretsService';
import { ChangeFeed } from './ChangeFeed';
import { ReadCache } from './ReadCache';
import { type Lookup, SecretsBackendHttp } from './SecretsBackendHttp';
import { SecretsPluginTokens } from './SecretsPluginTokens';
import {
  UserScopeDiscovery,
  UserScopedSignal,
  userCacheKey,
} from './UserScopeDiscovery';

/**
 * How long a read value may be reused without change events (or while the
 * event bus is not trusted); see {@link DefaultSecretsClient}.
 */
export const DEFAULT_CACHE_TTL_MS = 500;

/** How long a value may be kept while change events are trusted. */
export const DEFAULT_MAX_STALENESS_MS = 60_000;

/**
 * How many answers a client keeps. Far above what a plugin reads within
 * `maxStaleness` (its shared secrets, and its user-scoped ones times the
 * users active in that time), so eviction only bounds memory in the extreme;
 * an entry costs about the size of its value.
 */
export const DEFAULT_CACHE_MAX_ENTRIES = 10_000;

/** Default of `secrets.client.maxStalenessCap`: maxStaleness never exceeds it. */
export const DEFAULT_MAX_STALENESS_CAP_MS = 5 * 60_000;

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
 * one request. Set `cacheTtlMs: 0` (without events) to disable reuse. At
 * most `cacheMaxEntries` answers (default 10,000; shared values and each
 * user's count apart) are kept, in memory only; beyond that the least
 * recently read goes first.
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
 * value is refused from the next read after its event. A read the backend
 * refuses (the plugin is not among the readers, or the user did not allow
 * it) rejects with a `NotAllowedError`; refusals and other errors are never
 * reused.
 *
 * @public
 */
export class DefaultSecretsClient implements SecretsService {
  // Composed of one part per concern: HTTP and tokens (SecretsBackendHttp),
  // the bounded cache and its freshness window (ReadCache), which names are
  // user-scoped (UserScopeDiscovery), and the change events (ChangeFeed).
  readonly #http: SecretsBackendHttp;
  readonly #cache: ReadCache<Lookup>;
  readonly #scopes = new UserScopeDiscovery();

  constructor(options: {
    auth: AuthService;
    discovery: DiscoveryService;
    cacheTtlMs?: number;
    /** change events from the secrets backend; without them, only `cacheTtlMs` */
    events?: EventsService;
    maxStalenessMs?: number;
    logger?: LoggerService;
    /** at most this many answers are kept (at least 1); default 10,000 */
    cacheMaxEntries?: number;
    /** how often the backend's change counter is read; default 10 s */
    checkIntervalMs?: number;
    /** the longest heartbeat interval believed; default 1 minute */
    maxHeartbeatIntervalMs?: number;
    /** maxStalenessMs never exceeds this; default 5 minutes */
    maxStalenessCapMs?: number;
  }) {
    this.#http = new SecretsBackendHttp({
      discovery: options.discovery,
      tokens: new SecretsPluginTokens(options.auth),
    });
    const cacheTtlMs = Math.max(0, options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS);
    const capMs = options.maxStalenessCapMs ?? DEFAULT_MAX_STALENESS_CAP_MS;
    const wantedMs = options.maxStalenessMs ?? DEFAULT_MAX_STALENESS_MS;
    if (wantedMs > capMs) {
      options.logger?.warn(
        `secrets.client.maxStaleness (${wantedMs} ms) is above secrets.client.maxStalenessCap (${capMs} ms); using the cap: events are hints, and a value must never outlive a missed change for long.`,
      );
    }
    const maxStalenessMs = Math.max(cacheTtlMs, Math.min(wantedMs, capMs));
    const feed =
      options.events &&
      new ChangeFeed({
        events: options.events,
        logger: options.logger,
        maxStalenessMs,
        onChanged: (name, entityRef) =>
          this.#cache.drop(name, entityRef && entityKey(entityRef)),
        // Events may have been missed while the bus was not trusted, or
        // the change counter moved.
        onTrusted: () => this.#cache.clear(),
        readWatermark: () => this.#http.readWatermark(),
        checkIntervalMs: options.checkIntervalMs,
        maxHeartbeatIntervalMs: options.maxHeartbeatIntervalMs,
      });
    this.#cache = new ReadCache({
      maxEntries: options.cacheMaxEntries ?? DEFAULT_CACHE_MAX_ENTRIES,
      windowMs: now => (feed?.trusted(now) ? maxStalenessMs : cacheTtlMs),
    });
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

  /**
   * A shared value, read and cached with the plugin's own token; a user's
   * own value, read on their behalf and cached per user, never across.
   */
  #lookup(name: string, options?: SecretReadOptions): Promise<Lookup> {
    const entityRef = options?.entityRef;
    if (entityRef !== undefined) {
      // An entity's value (else the default), with the plugin's own token,
      // cached per (name, entity). For a secret that is not entity-scoped
      // the backend answers its shared value.
      const key = { name, entity: entityKey(entityRef) };
      const warm = this.#cache.settled(key);
      if (warm) return warm; // an answer kept is never a user-scoped refusal
      return this.#cache
        .read(key, () => this.#http.read(name, undefined, entityRef))
        .catch(error => {
          // A user-scoped name: entityRef does not apply; read it as usual.
          if (!(error instanceof UserScopedSignal)) throw error;
          return this.#lookup(name, { onBehalfOf: options?.onBehalfOf });
        });
    }
    return this.#scopes.read(name, options?.onBehalfOf, {
      shared: () => this.#cache.read({ name }, () => this.#http.read(name)),
      forUser: user =>
        this.#cache.read({ name, user: userCacheKey(user) }, () =>
          this.#http.read(name, user),
        ),
    });
  }
}

/** One spelling of an entity ref per entity, as the backend and its events spell it (kept, bounded). */
const entityKeys = new Map<string, string>();
function entityKey(entityRef: string): string {
  const kept = entityKeys.get(entityRef);
  if (kept !== undefined) return kept;
  if (entityKeys.size >= 10_000) entityKeys.clear();
  const key = spellEntityKey(entityRef);
  entityKeys.set(entityRef, key);
  return key;
}
function spellEntityKey(entityRef: string): string {
  // toLowerCase maps as toLocaleLowerCase('en-US') (no locale-specific
  // rules apply there), at a fraction of the cost on every warm read
  const ref = entityRef.toLowerCase();
  const colon = ref.indexOf(':');
  return colon > 0 && !ref.includes('/', colon)
    ? `${ref.slice(0, colon)}:default/${ref.slice(colon + 1)}`
    : ref;
}
