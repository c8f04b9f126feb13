import {
  createServiceFactory,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import {
  secretNotRegisteredMessage,
  secretNotSetMessage,
} from '@backstage-secrets/plugin-secrets-common';
// From the package itself, as Backstage's testUtils do: the API report of
// this entry point then names the package's types instead of copying them.
import {
  type SecretDefinition,
  type SecretReadOptions,
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
  /**
   * The secrets that are registered (names or definitions), as the secrets
   * plugin would know them from its modules. When given, reading any other
   * name rejects with the real client's "not registered" error, so a test
   * catches a misspelled name. When absent, every name counts as
   * registered.
   */
  registered?: Array<string | Pick<SecretDefinition, 'name'>>;
}

/**
 * One read the mock served.
 *
 * @public
 */
export interface MockSecretRead {
  /** The name read. */
  name: string;
  /** Whether the read was made on behalf of a user. */
  onBehalfOf: boolean;
}

/**
 * An in-memory `SecretsService` for plugin authors' tests: serves the
 * given values, records which names were read, and answers with the same
 * errors and messages as the real client.
 *
 * @public
 */
export class MockSecretsService implements SecretsService {
  readonly #values = new Map<string, string>();
  #registered: Set<string> | undefined;
  /** Names read so far, in order. */
  readonly reads: string[] = [];
  /** Reads so far, in order, with whether each was on behalf of a user. */
  readonly readDetails: MockSecretRead[] = [];

  constructor(options?: SecretsServiceMockOptions) {
    if (options?.registered) {
      this.register(...options.registered);
    }
    for (const [name, value] of Object.entries(options?.values ?? {})) {
      this.set(name, value);
    }
  }

  /** Like the real client: the value, or `undefined` when unset. */
  async getSecret(
    name: string,
    options?: SecretReadOptions,
  ): Promise<string | undefined> {
    this.reads.push(name);
    this.readDetails.push({ name, onBehalfOf: Boolean(options?.onBehalfOf) });
    if (this.#registered && !this.#registered.has(name)) {
      throw new NotFoundError(secretNotRegisteredMessage(name));
    }
    return this.#values.get(name);
  }

  /** Like the real client: the value, or a `NotFoundError` when unset. */
  async requireSecret(
    name: string,
    options?: SecretReadOptions,
  ): Promise<string> {
    const value = await this.getSecret(name, options);
    if (value === undefined) {
      throw new NotFoundError(secretNotSetMessage(name));
    }
    return value;
  }

  /**
   * Set or clear (`undefined` or `''`) a value during a test. With a list
   * of registered names, the name is registered too.
   */
  set(name: string, value: string | undefined): void {
    this.#registered?.add(name);
    if (value === undefined || value === '') this.#values.delete(name);
    else this.#values.set(name, value);
  }

  /**
   * Declare registered secrets. The first call switches the mock to strict
   * mode: reads of names never registered (or set) reject.
   */
  register(...secrets: Array<string | Pick<SecretDefinition, 'name'>>): void {
    this.#registered ??= new Set(this.#values.keys());
    for (const secret of secrets) {
      this.#registered.add(typeof secret === 'string' ? secret : secret.name);
    }
  }

  /**
   * A service factory that serves this very instance to every plugin of a
   * `startTestBackend`, so a test can set a value and see the plugin read
   * it.
   */
  factory(): ServiceFactory<SecretsService, 'plugin', 'singleton'> {
    return createServiceFactory({
      service: secretsServiceRef,
      deps: {},
      factory: () => this,
    });
  }
}

/**
 * Creates a {@link MockSecretsService}.
 *
 * @example
 * ```ts
 * const secrets = secretsServiceMock({
 *   registered: ['MY_API_KEY'],
 *   values: { MY_API_KEY: 'test-key' },
 * });
 * const backend = await startTestBackend({
 *   features: [myPlugin, secretsServiceMock.factory(secrets)],
 * });
 * secrets.set('MY_API_KEY', 'rotated'); // the plugin reads the new value
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
   * A service factory for `secretsServiceRef` for `startTestBackend`'s
   * features. Pass a `MockSecretsService` to share it with the test (every
   * plugin reads the same instance, and the test can `set` values), or
   * options to create one.
   */
  export const factory = (
    instanceOrOptions?: MockSecretsService | SecretsServiceMockOptions,
  ): ServiceFactory<SecretsService, 'plugin', 'singleton'> =>
    (instanceOrOptions instanceof MockSecretsService
      ? instanceOrOptions
      : new MockSecretsService(instanceOrOptions)
    ).factory();
}
