export { SecretsPage, SecretsContent } from './SecretsPage';
export { PLUGIN_AUTHOR_DOCS_URL } from './NoSecrets';
