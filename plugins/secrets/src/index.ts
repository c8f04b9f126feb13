/**
 * The "Manage secrets" page of Backstage Secrets.
 *
 * This entry point is for the legacy frontend system; the new frontend
 * system uses the default export of `@backstage-secrets/plugin-secrets/alpha`.
 *
 * @packageDocumentation
 */
export { secretsPlugin, SecretsPage } from './plugin';
export { SecretsSidebarItem } from './components/SecretsSidebarItem';
export type { SecretsSidebarItemProps } from './components/SecretsSidebarItem';
export { secretsApiRef, SecretsClient } from './api';
export type { SecretsApi } from './api';
export { rootRouteRef as secretsRouteRef } from './routes';
