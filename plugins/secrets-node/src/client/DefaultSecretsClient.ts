import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { NotFoundError, ResponseError } from '@backstage/errors';
import type { SecretValueResponse } from '@backstage-secrets/plugin-secrets-common';
import type { SecretReadOptions, SecretsService } from '../service';

/**
 * The default {@link SecretsService}: reads values from the `secrets`
 * backend plugin over HTTP, authenticated as the calling plugin.
 *
 * @public
 */
export class DefaultSecretsClient implements SecretsService {
  readonly #auth: AuthService;
  readonly #discovery: DiscoveryService;

  constructor(options: { auth: AuthService; discovery: DiscoveryService }) {
    this.#auth = options.auth;
    this.#discovery = options.discovery;
  }

  async getSecret(
    name: string,
    options?: SecretReadOptions,
  ): Promise<string | undefined> {
    const response = await this.#fetchValue(name, options);
    if (response.status === 404) {
      // A 404 means "registered but unset" or "not registered"; both read
      // as undefined, as a missing config value would.
      return undefined;
    }
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    const body = (await response.json()) as SecretValueResponse;
    return body.value;
  }

  async requireSecret(
    name: string,
    options?: SecretReadOptions,
  ): Promise<string> {
    const response = await this.#fetchValue(name, options);
    if (response.status === 404) {
      const error = await ResponseError.fromResponse(response);
      // Keep the backend's message: it says whether the name is unknown or
      // unset, and where an admin sets it.
      throw new NotFoundError(error.body?.error?.message ?? error.message);
    }
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    const body = (await response.json()) as SecretValueResponse;
    return body.value;
  }

  async #fetchValue(name: string, options?: SecretReadOptions) {
    const [baseUrl, { token }] = await Promise.all([
      this.#discovery.getBaseUrl('secrets'),
      this.#auth.getPluginRequestToken({
        onBehalfOf:
          options?.onBehalfOf ?? (await this.#auth.getOwnServiceCredentials()),
        targetPluginId: 'secrets',
      }),
    ]);
    return fetch(`${baseUrl}/secrets/${encodeURIComponent(name)}/value`, {
      headers: { authorization: `Bearer ${token}` },
    });
  }
}
