export { secretsApiRef } from './SecretsApi';
export type { SecretsApi } from './SecretsApi';
export { SecretsClient } from './SecretsClient';
export { userSecretsApiRef } from './UserSecretsApi';
export type { UserSecretsApi } from './UserSecretsApi';
export { UserSecretsClient } from './UserSecretsClient';
export { entitySecretsApiRef } from './EntitySecretsApi';
export type { EntitySecretsApi } from './EntitySecretsApi';
export { EntitySecretsClient } from './EntitySecretsClient';
