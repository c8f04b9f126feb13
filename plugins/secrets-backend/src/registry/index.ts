/*
 * The registry: the secrets that installed plugins (through the extension
 * point) and app-config (`secrets.definitions`) declare, validated, closed
 * once the plugin starts.
 */
export { registerConfigDefinitions } from './configDefinitions';
export { guardProxyReferences } from './proxyReferences';
export {
  type RegisteredSecret,
  type SecretValidator,
  SecretsRegistry,
} from './SecretsRegistry';
