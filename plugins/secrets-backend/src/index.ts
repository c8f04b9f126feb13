/**
 * The Backstage Secrets backend plugin.
 *
 * @packageDocumentation
 */
export { secretsPlugin as default } from './plugin';
export { generateEncryptionKey } from './generateEncryptionKey';
export { secretsRootConfigServiceFactory } from './appConfig';
