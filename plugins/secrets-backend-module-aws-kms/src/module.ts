import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { KMSClient } from '@aws-sdk/client-kms';
import { secretsKeyProvidersExtensionPoint } from '@backstage-secrets/plugin-secrets-node';
import { AWS_KMS_PROVIDER_ID, AwsKmsKeyProvider } from './AwsKmsKeyProvider';

const CONFIG_KEY = 'secrets.encryption.awsKms';

/**
 * A module of the `secrets` plugin that adds the `aws-kms` key provider:
 * data keys wrapped by an AWS KMS key (`secrets.encryption.awsKms.keyId`,
 * `region`), with credentials from the AWS SDK's default chain (environment,
 * shared config, web identity, instance or task role). Select it with
 * `secrets.encryption.provider: aws-kms`.
 *
 * @public
 */
export const secretsModuleAwsKms = createBackendModule({
  pluginId: 'secrets',
  moduleId: 'aws-kms',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        keyProviders: secretsKeyProvidersExtensionPoint,
      },
      async init({ config, logger, keyProviders }) {
        const kms = config.getOptionalConfig(CONFIG_KEY);
        const keyId = kms?.getOptionalString('keyId');
        if (!kms || !keyId) {
          throw new Error(
            `${CONFIG_KEY}.keyId is required by @backstage-secrets/plugin-secrets-backend-module-aws-kms: the id, ARN or alias of the KMS key that wraps the data keys (and ${CONFIG_KEY}.region unless the AWS SDK finds the region itself).`,
          );
        }
        const region = kms.getOptionalString('region');
        keyProviders.addKeyProvider(
          new AwsKmsKeyProvider({
            keyId,
            client: new KMSClient(region ? { region } : {}),
          }),
        );
        logger.info(
          `Key provider ${AWS_KMS_PROVIDER_ID}: KMS key ${keyId}${
            region ? ` in ${region}` : ''
          }`,
        );
      },
    });
  },
});
