/*
 * Keys: re-encryption of stored rows under the primary key after a key
 * rotation, and the status of every configured key (rows under it, and
 * whether it can be removed).
 */
export { KeyReencryption } from './KeyReencryption';
