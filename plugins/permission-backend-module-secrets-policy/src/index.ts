/**
 * A permission policy for Backstage apps that run the allow-all policy:
 * `manage-secrets` only for the users and groups in
 * `secrets.permission.managers`; every other permission stays allowed.
 *
 * @packageDocumentation
 */
export { permissionModuleSecretsPolicy as default } from './module';
export { SecretsManagersPolicy } from './SecretsManagersPolicy';
