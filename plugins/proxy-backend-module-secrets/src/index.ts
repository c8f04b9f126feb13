/**
 * A module of the Backstage proxy plugin: proxy endpoints whose headers
 * carry secrets from Backstage Secrets, read at request time.
 *
 * @packageDocumentation
 */
export { proxyModuleSecrets as default } from './module';
