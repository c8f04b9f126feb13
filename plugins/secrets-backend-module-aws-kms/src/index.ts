/**
 * The `aws-kms` key provider of Backstage Secrets: data keys wrapped by an
 * AWS KMS key.
 *
 * @packageDocumentation
 */
export { secretsModuleAwsKms as default } from './module';
export {
  AwsKmsKeyProvider,
  AWS_KMS_PROVIDER_ID,
  type AwsKmsKeyProviderOptions,
} from './AwsKmsKeyProvider';
