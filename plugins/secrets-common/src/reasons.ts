import { secretEnvironmentVariable } from './names';

/**
 * A response header of the secrets backend that says why a value request
 * answered 404, so that clients need not parse the message: `not-registered`
 * when no installed plugin declares the name (a programming error, e.g. a
 * misspelled name). Without it, a 404 means the secret is registered but
 * unset.
 *
 * @public
 */
export const SECRET_REASON_HEADER = 'x-backstage-secrets-reason';

/**
 * The value of {@link SECRET_REASON_HEADER} for a name that no installed
 * plugin declares.
 *
 * @public
 */
export const SECRET_NOT_REGISTERED_REASON = 'not-registered';

/**
 * The message of the backend's 404 for a value read of a name that no
 * installed plugin declares. Shared so that the test mock says the same.
 *
 * @public
 */
export function secretNotRegisteredMessage(name: string): string {
  return `Secret ${name} is not registered: declare it through the secrets extension point (secretsExtensionPoint.registerSecrets) before reading it.`;
}

/**
 * The message of the backend's 404 for a registered secret without a value
 * (`requireSecret` throws it). Shared so that the test mock says the same.
 *
 * @public
 */
export function secretNotSetMessage(name: string): string {
  return `Secret ${name} is not set. An admin can set it on the "Manage secrets" page (/secrets) of Backstage, or an operator can pin it with secrets.values.${name} in app-config.yaml or the ${secretEnvironmentVariable(
    name,
  )} environment variable.`;
}

/**
 * A response header of the secrets backend on a value read that needs a
 * user or an entity: its value is the secret's scope (`user`, `entity`), so
 * that the client reads the secret again on behalf of the user it was
 * given (or tells the caller to name an entity), without parsing the
 * message.
 *
 * @public
 */
export const SECRET_SCOPE_HEADER = 'x-backstage-secrets-scope';

/** Where each user sets their own values: the "My secrets" page. */
const USER_SECRETS_PAGE = '/settings/secrets';

/**
 * The message of the backend's 404 for a per-user secret that the user has
 * not set (after the user allowed the reading plugin). Shared so that the
 * test mock says the same.
 *
 * @public
 */
export function userSecretNotSetMessage(userRef: string, name: string): string {
  return `${userRef} has not set ${name}. They can add it on their "My secrets" page (${USER_SECRETS_PAGE}).`;
}

/**
 * The message of the backend's 403 for a per-user secret read by a plugin
 * the user has not allowed to use it. Shared so that the test mock says the
 * same.
 *
 * @public
 */
export function userSecretNotAllowedMessage(
  userRef: string,
  name: string,
  pluginId: string,
): string {
  return `${userRef} has not allowed plugin ${pluginId} to use their ${name}. They can allow it on their "My secrets" page (${USER_SECRETS_PAGE}).`;
}

/**
 * The message of the backend's 403 for a plugin outside a secret's
 * `readers` (`caller` is `plugin:<id>`, or an external caller's subject).
 * Shared so that the test mock says the same.
 *
 * @public
 */
export function secretReaderRefusedMessage(
  name: string,
  caller: string,
  readers: string[],
): string {
  const who = caller.startsWith('plugin:')
    ? `Plugin ${caller.slice('plugin:'.length)}`
    : `The external caller ${caller}`;
  return `${who} may not read secret ${name}: only ${
    readers.length === 0 ? 'no plugin' : `the plugin(s) ${readers.join(', ')}`
  } may read it. An operator can change that with secrets.readers.${name} in app-config.yaml.`;
}

/**
 * The message of the backend's 403 for a per-user secret read with the
 * plugin's own credentials instead of on behalf of a user. Shared so that
 * the test mock says the same.
 *
 * @public
 */
export const USER_SCOPED_READ_WITHOUT_USER_MESSAGE =
  'This secret holds one value per user: a plugin reads it on behalf of the user whose request it serves (getSecret(name, { onBehalfOf: credentials })).';

/**
 * The message of the backend's 404 for an entity-scoped secret that neither
 * the entity nor the default has a value of. Shared so that the test mock
 * says the same.
 *
 * @public
 */
export function entitySecretNotSetMessage(
  entityRef: string,
  name: string,
): string {
  return `Secret ${name} is not set for ${entityRef}, and it has no default value. The entity's owners can set it on the entity's "Secrets" tab in the catalog; an admin can set a default on the "Manage secrets" page (/secrets).`;
}

/**
 * A request header that names the catalog entity a request is about, e.g.
 * `component:default/payments`: the secrets proxy fills entity-scoped
 * placeholders with that entity's values.
 *
 * @public
 */
export const ENTITY_REF_HEADER = 'x-backstage-entity-ref';
