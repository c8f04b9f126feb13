export { EntitySecretsContent } from './EntitySecretsContent';
