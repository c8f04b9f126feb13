import {
  createServiceFactory,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
// From the package itself, as Backstage's testUtils do: the API report of
// this entry point then names the package's types instead of copying them.
import {
  type SecretsService,
  secretsServiceRef,
} from '@backstage-secrets/plugin-secrets-node';

/**
 * Options of `secretsServiceMock`.
 *
 * @public
 */
export interface SecretsServiceMockOptions {
  /** The values the mock serves, by secret name. */
  values?: Record<string, string | undefined>;
}

/**
 * An in-memory `SecretsService` for plugin authors' tests: serves the
 * given values and records which names were read.
 *
 * @public
 */
export class MockSecretsService implements SecretsService {
  readonly #values: Map<string, string>;
  /** Names read so far, in order. */
  readonly reads: string[] = [];

  constructor(options?: SecretsServiceMockOptions) {
    this.#values = new Map(
      Object.entries(options?.values ?? {}).filter(
        (entry): entry is [string, string] =>
          typeof entry[1] === 'string' && entry[1] !== '',
      ),
    );
  }

  async getSecret(name: string): Promise<string | undefined> {
    this.reads.push(name);
    return this.#values.get(name);
  }

  async requireSecret(name: string): Promise<string> {
    const value = await this.getSecret(name);
    if (value === undefined) {
      throw new NotFoundError(
        `Secret ${name} is not set. An admin can set it on the "Manage secrets" page.`,
      );
    }
    return value;
  }

  /** Set or clear a value during a test. */
  set(name: string, value: string | undefined): void {
    if (value === undefined) this.#values.delete(name);
    else this.#values.set(name, value);
  }
}

/**
 * Creates a {@link MockSecretsService}.
 *
 * @example
 * ```ts
 * const backend = await startTestBackend({
 *   features: [
 *     myPlugin,
 *     secretsServiceMock.factory({ values: { MY_API_KEY: 'test-key' } }),
 *   ],
 * });
 * ```
 *
 * @public
 */
export function secretsServiceMock(
  options?: SecretsServiceMockOptions,
): MockSecretsService {
  return new MockSecretsService(options);
}

/**
 * Mock functionality for the secrets service.
 *
 * @public
 */
export namespace secretsServiceMock {
  /**
   * A service factory for `secretsServiceRef` that serves the given values
   * from memory; pass it to `startTestBackend`'s features.
   */
  export const factory = (
    options?: SecretsServiceMockOptions,
  ): ServiceFactory<SecretsService, 'plugin', 'singleton'> =>
    createServiceFactory({
      service: secretsServiceRef,
      deps: {},
      factory: () => new MockSecretsService(options),
    });
}
