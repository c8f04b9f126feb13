export { UserSecretsContent } from './UserSecretsContent';
