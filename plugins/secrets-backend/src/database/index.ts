/*
 * The plugin's own database: shared values with their history, users'
 * values and grants, the last checks and the reminders sent; migrations,
 * compare-and-set writes (and their one retry loop), and store errors that
 * never carry data.
 */
export { ChangeWatermark } from './ChangeWatermark';
export { retryCompareAndSet } from './compareAndSet';
export { DatabaseSecretsStore } from './DatabaseSecretsStore';
export { DatabaseUserSecretsStore } from './DatabaseUserSecretsStore';
export {
  type ReminderRecord,
  type ReminderState,
  ReminderStateStore,
} from './ReminderStateStore';
export {
  DatabaseSecretChecksStore,
  type SecretCheckRecord,
  type SecretChecksStore,
} from './SecretChecksStore';
export type {
  CiphertextReplacement,
  KeyCount,
  LastUsedRecord,
  NotUnderKeyPage,
  SecretsStore,
  StoredSecret,
  StoredSecretMetadata,
} from './SecretsStore';
export type {
  StoredGrant,
  StoredUserSecretMetadata,
  UserLastUsedRecord,
  UserSecretsStore,
} from './UserSecretsStore';
export { guardStoreErrors } from './storeErrors';
export type { StoredVersion } from './SecretsStore';
export * as versionedRows from './versionedRows';
