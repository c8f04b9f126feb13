export { SecretValueField } from './SecretValueField';
export type { SecretValueFieldProps } from './SecretValueField';
