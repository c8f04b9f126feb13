export { SecretsTable, type SecretsTableProps } from './SecretsTable';
