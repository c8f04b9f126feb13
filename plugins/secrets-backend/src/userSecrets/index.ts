/*
 * Users' own values of user-scoped secrets ("bring your own"): each user's
 * values and grants, reads on a user's behalf, and the removal of values
 * whose owner left the catalog.
 */
export { deleteOrphanedUserSecrets } from './userSecretOrphans';
export { userSecretKey, UserSecretsManager } from './UserSecretsManager';
