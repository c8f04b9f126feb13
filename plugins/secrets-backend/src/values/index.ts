/*
 * The shared-secret value service: where a read gets a value (pins, then
 * the store), writes with optimistic concurrency, clear and purge, the
 * summaries the "Manage secrets" page lists, the value rules, and the
 * batched last-use records.
 */
export { createSharedSecrets, type SharedSecrets } from './createSharedSecrets';
export { LastUsedTracker } from './LastUsedTracker';
export type { Pin, Pins } from './Pins';
export {
  notRegisteredError,
  SecretNotRegisteredError,
  UserScopedReadError,
} from './refusals';
export type { SecretSummaries } from './SecretSummaries';
export type {
  CurrentValue,
  ReadRequest,
  SharedValueReads,
} from './SharedValueReads';
export type { SharedValueWrite, SharedValueWrites } from './SharedValueWrites';
export { PayloadTooLargeError, validateValue } from './valueRules';
