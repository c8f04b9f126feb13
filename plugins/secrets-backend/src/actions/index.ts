/*
 * Actions: list-secrets and check-secret in Backstage's actions registry,
 * for AI agents (MCP) and automation; metadata and check outcomes only.
 */
export { registerSecretsActions } from './actions';
