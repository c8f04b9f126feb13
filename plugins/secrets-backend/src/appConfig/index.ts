/*
 * Stored secrets in app-config: a root config service factory that
 * substitutes the stored value of `appConfig: true` secrets for `${NAME}`
 * (only at `@visibility secret` keys), reloads it when it changes, and
 * tells the plugin what it loaded.
 */
export {
  type AppConfigSecretSummary,
  type AppConfigSecretUse,
  appConfigSecrets,
} from './appConfigState';
export { APP_CONFIG_READER, reportAppConfigLoads } from './reportLoads';
export { loadAppConfigWithSecrets } from './loadAppConfig';
export { secretsRootConfigServiceFactory } from './secretsRootConfigServiceFactory';
