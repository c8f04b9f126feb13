/*
 * The shared-secret value service: where a read gets a value (pins, then
 * the store), writes with optimistic concurrency, clear and purge, the
 * summaries the "Manage secrets" page lists, the value rules, and the
 * batched last-use records.
 */
export { createSharedSecrets } from './createSharedSecrets';
export { LastUsedTracker } from './LastUsedTracker';
export type { Pins } from './Pins';
export { notRegisteredError, SecretNotRegisteredError } from './refusals';
export type { SecretSummaries } from './SecretSummaries';
export type { SharedValueReads } from './SharedValueReads';
export type { SharedValueWrites } from './SharedValueWrites';
export { PayloadTooLargeError, validateValue } from './valueRules';
