/*
 * History: the recorded versions of each shared secret (who wrote which
 * version when), and the restore of an earlier one as a new version.
 */
export { SecretHistory } from './SecretHistory';
