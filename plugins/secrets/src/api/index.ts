export { secretsApiRef } from './SecretsApi';
export type { SecretsApi } from './SecretsApi';
export { SecretsClient } from './SecretsClient';
export { userSecretsApiRef } from './UserSecretsApi';
export type { UserSecretsApi } from './UserSecretsApi';
export { UserSecretsClient } from './UserSecretsClient';
