import {
  BackstageCredentials,
  coreServices,
  createServiceFactory,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  entitySecretNotSetMessage,
  secretNotRegisteredMessage,
  secretNotSetMessage,
  secretReaderRefusedMessage,
  USER_SCOPED_READ_WITHOUT_USER_MESSAGE,
  userSecretNotAllowedMessage,
  userSecretNotSetMessage,
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
 * A secret the mock knows: a name, or the parts of a definition that decide
 * who reads what (`scope`, `readers`).
 *
 * @public
 */
export type MockSecretRegistration =
  | string
  | Pick<SecretDefinition, 'name' | 'scope' | 'readers'>;

/**
 * Options of `secretsServiceMock`.
 *
 * @public
 */
export interface SecretsServiceMockOptions {
  /** The shared values the mock serves, by secret name. */
  values?: Record<string, string | undefined>;
  /**
   * The secrets that are registered (names or definitions), as the secrets
   * plugin would know them from its modules. When given, reading any other
   * name rejects with the real client's "not registered" error, so a test
   * catches a misspelled name. When absent, every name counts as a
   * registered shared secret that any plugin may read.
   */
  registered?: MockSecretRegistration[];
  /**
   * Users' own values of `scope: 'user'` secrets: secret name → user entity
   * ref → value.
   */
  userValues?: Record<string, Record<string, string>>;
  /**
   * Which plugins each user allowed to use their own value: secret name →
   * user entity ref → plugin ids. Without a grant, a read on the user's
   * behalf is refused (403), as a new user's is by the real backend.
   */
  grants?: Record<string, Record<string, string[]>>;
  /**
   * Entities' own values of `scope: 'entity'` secrets: secret name → entity
   * ref (e.g. `component:default/payments`) → value. A read for an entity
   * without one gets the shared value of the name (the default).
   */
  entityValues?: Record<string, Record<string, string>>;
  /**
   * The plugin that reads when the mock is called directly (not through
   * `factory()`, which knows each plugin): decides `readers` checks and
   * grants. Default: `test-plugin`.
   */
  pluginId?: string;
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
  /** The entity read for, when given. */
  entityRef?: string;
  /** The reading plugin. */
  pluginId: string;
}

type Registration = {
  scope: 'shared' | 'user' | 'entity';
  readers?: string[];
};

const DEFAULT_PLUGIN_ID = 'test-plugin';

/** The user a read is made for, as the backend would see the token. */
function userOf(credentials?: BackstageCredentials): string | undefined {
  const principal = credentials?.principal as
    | { type?: string; userEntityRef?: string }
    | undefined;
  return principal?.type === 'user' ? principal.userEntityRef : undefined;
}

/**
 * An in-memory `SecretsService` for plugin authors' tests. It decides every
 * read the way the secrets backend does, with the same errors and messages:
 *
 * - a name nobody registered: `NotFoundError` (with `registered`);
 * - a plugin outside the secret's `readers`: `NotAllowedError`;
 * - a shared secret: its value, or `undefined` when unset (`requireSecret`:
 *   `NotFoundError` saying where an admin sets it);
 * - a per-user secret (`scope: 'user'`): read without `onBehalfOf`, or by a
 *   plugin the user has not allowed: `NotAllowedError` — a new user, with
 *   no value and no grant, gets this 403 before any "not set"; allowed but
 *   unset: `undefined` (`requireSecret`: `NotFoundError` telling the user
 *   where to add it).
 *
 * @public
 */
export class MockSecretsService implements SecretsService {
  readonly #values = new Map<string, string>();
  readonly #entityValues = new Map<string, Map<string, string>>();
  readonly #userValues = new Map<string, Map<string, string>>();
  readonly #grants = new Map<string, Map<string, Set<string>>>();
  #registered: Map<string, Registration> | undefined;
  readonly #pluginId: string;
  /** Names read so far, in order. */
  readonly reads: string[] = [];
  /** Reads so far, in order, with the plugin and whether on behalf of a user. */
  readonly readDetails: MockSecretRead[] = [];

  constructor(options?: SecretsServiceMockOptions) {
    this.#pluginId = options?.pluginId ?? DEFAULT_PLUGIN_ID;
    if (options?.registered) {
      this.register(...options.registered);
    }
    for (const [name, value] of Object.entries(options?.values ?? {})) {
      this.set(name, value);
    }
    for (const [name, users] of Object.entries(options?.userValues ?? {})) {
      for (const [userRef, value] of Object.entries(users)) {
        this.setUserValue(name, userRef, value);
      }
    }
    for (const [name, entities] of Object.entries(
      options?.entityValues ?? {},
    )) {
      for (const [entityRef, value] of Object.entries(entities)) {
        this.setEntityValue(name, entityRef, value);
      }
    }
    for (const [name, users] of Object.entries(options?.grants ?? {})) {
      for (const [userRef, pluginIds] of Object.entries(users)) {
        for (const pluginId of pluginIds) this.allow(name, userRef, pluginId);
      }
    }
  }

  /** Like the real client: the value, or `undefined` when unset. */
  async getSecret(
    name: string,
    options?: SecretReadOptions,
  ): Promise<string | undefined> {
    return this.#read(this.#pluginId, name, options);
  }

  /** Like the real client: the value, or a `NotFoundError` when unset. */
  async requireSecret(
    name: string,
    options?: SecretReadOptions,
  ): Promise<string> {
    return this.#require(this.#pluginId, name, options);
  }

  /**
   * Set or clear (`undefined` or `''`) a shared value during a test. With a
   * list of registered names, an unknown name is registered too.
   */
  set(name: string, value: string | undefined): void {
    if (this.#registered && !this.#registered.has(name)) {
      this.#registered.set(name, { scope: 'shared' });
    }
    if (value === undefined || value === '') this.#values.delete(name);
    else this.#values.set(name, value);
  }

  /** Set or clear (`undefined` or `''`) a user's own value of a per-user secret. */
  setUserValue(name: string, userRef: string, value: string | undefined): void {
    const users = this.#userValues.get(name) ?? new Map<string, string>();
    this.#userValues.set(name, users);
    if (value === undefined || value === '') users.delete(userRef);
    else users.set(userRef, value);
  }

  /** Set or clear (`undefined` or `''`) an entity's own value of an entity-scoped secret. */
  setEntityValue(
    name: string,
    entityRef: string,
    value: string | undefined,
  ): void {
    const entities = this.#entityValues.get(name) ?? new Map<string, string>();
    this.#entityValues.set(name, entities);
    const ref = entityRef.toLocaleLowerCase('en-US');
    if (value === undefined || value === '') entities.delete(ref);
    else entities.set(ref, value);
  }

  /** A user allows (or, with `false`, revokes) a plugin's use of their own value. */
  allow(name: string, userRef: string, pluginId: string, allowed = true): void {
    const users = this.#grants.get(name) ?? new Map<string, Set<string>>();
    this.#grants.set(name, users);
    const plugins = users.get(userRef) ?? new Set<string>();
    users.set(userRef, plugins);
    if (allowed) plugins.add(pluginId);
    else plugins.delete(pluginId);
  }

  /**
   * Declare registered secrets. The first call switches the mock to strict
   * mode: reads of names never registered (or set) reject.
   */
  register(...secrets: MockSecretRegistration[]): void {
    this.#registered ??= new Map(
      [...this.#values.keys()].map(name => [name, { scope: 'shared' }]),
    );
    for (const secret of secrets) {
      if (typeof secret === 'string') {
        this.#registered.set(secret, { scope: 'shared' });
      } else {
        this.#registered.set(secret.name, {
          scope:
            secret.scope === 'user' || secret.scope === 'entity'
              ? secret.scope
              : 'shared',
          readers: secret.readers,
        });
      }
    }
  }

  /** The service as plugin `pluginId` sees it (readers and grants apply to it). */
  forPlugin(pluginId: string): SecretsService {
    return {
      getSecret: (name, options) => this.#read(pluginId, name, options),
      requireSecret: (name, options) => this.#require(pluginId, name, options),
    };
  }

  /**
   * A service factory that serves this very instance to every plugin of a
   * `startTestBackend`, each as itself (so `readers` and users' grants
   * apply), so a test can set a value and see the plugin read it.
   */
  factory(): ServiceFactory<SecretsService, 'plugin', 'singleton'> {
    return createServiceFactory({
      service: secretsServiceRef,
      deps: { plugin: coreServices.pluginMetadata },
      factory: ({ plugin }) => this.forPlugin(plugin.getId()),
    });
  }

  async #require(
    pluginId: string,
    name: string,
    options?: SecretReadOptions,
  ): Promise<string> {
    const value = await this.#read(pluginId, name, options);
    if (value === undefined) {
      const userRef = userOf(options?.onBehalfOf);
      const scope = this.#registration(name)?.scope;
      let message = secretNotSetMessage(name);
      if (scope === 'user' && userRef) {
        message = userSecretNotSetMessage(userRef, name);
      } else if (scope === 'entity' && options?.entityRef) {
        message = entitySecretNotSetMessage(
          options.entityRef.toLocaleLowerCase('en-US'),
          name,
        );
      }
      throw new NotFoundError(message);
    }
    return value;
  }

  async #read(
    pluginId: string,
    name: string,
    options?: SecretReadOptions,
  ): Promise<string | undefined> {
    this.reads.push(name);
    this.readDetails.push({
      name,
      pluginId,
      onBehalfOf: Boolean(options?.onBehalfOf),
      ...(options?.entityRef ? { entityRef: options.entityRef } : {}),
    });
    const registration = this.#registration(name);
    if (!registration) {
      throw new NotFoundError(secretNotRegisteredMessage(name));
    }
    // The backend's order: who may read at all, then the user's grant, then
    // whether a value is set.
    if (registration.readers && !registration.readers.includes(pluginId)) {
      throw new NotAllowedError(
        secretReaderRefusedMessage(
          name,
          `plugin:${pluginId}`,
          registration.readers,
        ),
      );
    }
    if (registration.scope === 'entity') {
      // An entity's own value, else the default; read with the plugin's
      // own credentials, and only for an entity.
      if (!options?.entityRef) {
        throw new InputError(
          `Secret ${name} holds one value per catalog entity: read it for the entity your plugin serves, with getSecret('${name}', { entityRef }).`,
        );
      }
      const ref = options.entityRef.toLocaleLowerCase('en-US');
      return this.#entityValues.get(name)?.get(ref) ?? this.#values.get(name);
    }
    if (registration.scope === 'shared') {
      // Shared values are read with the plugin's own credentials, whatever
      // onBehalfOf says.
      return this.#values.get(name);
    }
    const userRef = userOf(options?.onBehalfOf);
    if (!userRef) {
      throw new NotAllowedError(USER_SCOPED_READ_WITHOUT_USER_MESSAGE);
    }
    if (!this.#grants.get(name)?.get(userRef)?.has(pluginId)) {
      throw new NotAllowedError(
        userSecretNotAllowedMessage(userRef, name, pluginId),
      );
    }
    return this.#userValues.get(name)?.get(userRef);
  }

  #registration(name: string): Registration | undefined {
    if (!this.#registered) return { scope: 'shared' };
    return this.#registered.get(name);
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
   * plugin reads the same instance, each as itself, and the test can `set`
   * values), or options to create one.
   */
  export const factory = (
    instanceOrOptions?: MockSecretsService | SecretsServiceMockOptions,
  ): ServiceFactory<SecretsService, 'plugin', 'singleton'> =>
    (instanceOrOptions instanceof MockSecretsService
      ? instanceOrOptions
      : new MockSecretsService(instanceOrOptions)
    ).factory();
}
