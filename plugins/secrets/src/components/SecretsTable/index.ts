export { SecretsTable, type SecretsTableProps } from './SecretsTable';
export type { SecretActions } from './SecretActionsCell';
