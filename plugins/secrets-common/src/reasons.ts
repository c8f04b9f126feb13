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
  return `Secret ${name} is not set. An admin can set it on the "Manage secrets" page (/secrets) of Backstage, or an operator can pin it with secrets.values.${name} in app-config.yaml or the BACKSTAGE_SECRETS_${name} environment variable.`;
}
