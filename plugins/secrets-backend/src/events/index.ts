/*
 * Change events: tells the readers' caches on every instance which secret
 * changed (names, scopes and versions only), and that this instance is
 * alive.
 */
export { SecretChangeEvents } from './SecretChangeEvents';
