/**
 * The "Manage secrets" page of Backstage Secrets.
 *
 * This entry point is for the legacy frontend system; the new frontend
 * system uses the default export of `@backstage-secrets/plugin-secrets/alpha`.
 *
 * @packageDocumentation
 */
export {
  EntitySecretsContent,
  secretsPlugin,
  SecretsPage,
  UserSecretsPage,
} from './plugin';
export { SecretsSidebarItem } from './components/SecretsSidebarItem';
export type { SecretsSidebarItemProps } from './components/SecretsSidebarItem';
export {
  entitySecretsApiRef,
  EntitySecretsClient,
  secretsApiRef,
  SecretsClient,
  userSecretsApiRef,
  UserSecretsClient,
} from './api';
export type { EntitySecretsApi, SecretsApi, UserSecretsApi } from './api';
export { UserSecretPrompt } from './components/UserSecretPrompt';
export type { UserSecretPromptProps } from './components/UserSecretPrompt';
export { useUserSecret } from './hooks/useUserSecret';
export type { UseUserSecretResult } from './hooks/useUserSecret';
export { rootRouteRef as secretsRouteRef } from './routes';
