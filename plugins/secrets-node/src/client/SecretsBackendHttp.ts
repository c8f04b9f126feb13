import type {
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import {
  InputError,
  NotAllowedError,
  NotFoundError,
  ResponseError,
} from '@backstage/errors';
import {
  SECRET_NOT_REGISTERED_REASON,
  SECRET_REASON_HEADER,
  SECRET_SCOPE_HEADER,
  type ChangeWatermarkResponse,
  type SecretValueResponse,
} from '@backstage-secrets/plugin-secrets-common';
import type { SecretsPluginTokens } from './SecretsPluginTokens';
import { UserScopedSignal } from './UserScopeDiscovery';

/**
 * The answer of one read: the value, or the backend's message saying that
 * none is set (and where an admin sets it). Refusals and failures reject
 * instead, so that they are never cached.
 */
export type Lookup =
  | { found: true; value: string }
  | { found: false; message: string };

/** Reads one value from the `secrets` backend plugin over HTTP. */
export class SecretsBackendHttp {
  readonly #discovery: DiscoveryService;
  readonly #tokens: SecretsPluginTokens;

  constructor(options: {
    discovery: DiscoveryService;
    tokens: SecretsPluginTokens;
  }) {
    this.#discovery = options.discovery;
    this.#tokens = options.tokens;
  }

  /**
   * Reads `name` with the plugin's own token, or on behalf of `user` for
   * that user's own value. Rejects with a {@link UserScopedSignal} when the
   * plugin's own token was refused because the secret is user-scoped.
   */
  async read(
    name: string,
    user?: BackstageCredentials,
    entityRef?: string,
  ): Promise<Lookup> {
    const [baseUrl, token] = await Promise.all([
      this.#discovery.getBaseUrl('secrets'),
      user ? this.#tokens.onBehalfOf(user) : this.#tokens.own(),
    ]);
    const query =
      entityRef === undefined
        ? ''
        : `?entityRef=${encodeURIComponent(entityRef)}`;
    const response = await fetch(
      `${baseUrl}/secrets/${encodeURIComponent(name)}/value${query}`,
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
      // An entity-scoped secret read without an entity: the caller's
      // mistake (it must say which entity), not a refusal.
      if (
        !entityRef &&
        response.headers.get(SECRET_SCOPE_HEADER) === 'entity'
      ) {
        throw new InputError(message);
      }
      throw new NotAllowedError(message);
    }
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    const body = (await response.json()) as SecretValueResponse;
    return { found: true, value: body.value };
  }

  /**
   * The backend's change counter (`GET /changes/watermark`), read with the
   * plugin's own token: an authenticated answer that no event on the bus
   * can fake.
   */
  async readWatermark(): Promise<string> {
    const [baseUrl, token] = await Promise.all([
      this.#discovery.getBaseUrl('secrets'),
      this.#tokens.own(),
    ]);
    const response = await fetch(`${baseUrl}/changes/watermark`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    const body = (await response.json()) as ChangeWatermarkResponse;
    return body.watermark;
  }
}
