/**
 * Node library of Backstage Secrets: the extension point through which
 * plugins declare the secrets they need, and the service that reads them.
 *
 * @packageDocumentation
 */
export type { SecretDefinition, SecretValidationResult } from './definitions';
export { secretsExtensionPoint } from './extensionPoint';
export type { SecretsExtensionPoint } from './extensionPoint';
export { secretsServiceRef } from './secretsServiceRef';
export type { SecretsService, SecretReadOptions } from './SecretsService';
export { DefaultSecretsClient } from './client/DefaultSecretsClient';
export {
  SECRETS_CHANGED_TOPIC,
  SECRETS_HEARTBEAT_TOPIC,
} from './events/topics';
export type { SecretsHeartbeat } from './events/topics';
export { secretsKeyProvidersExtensionPoint } from './keyProviders';
export type {
  SecretsKeyProvider,
  SecretsKeyProvidersExtensionPoint,
} from './keyProviders';
