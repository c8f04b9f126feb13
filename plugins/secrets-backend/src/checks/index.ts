/*
 * Provider checks: a secret's own check of a value with its provider
 * (SecretDefinition.validate), time-boxed, with messages that never hold
 * the value, and the last outcome of each secret.
 */
export { CurrentValueCheck } from './CurrentValueCheck';
export {
  lastCheckFields,
  SecretCheckFailedError,
  SecretChecks,
} from './SecretChecks';
