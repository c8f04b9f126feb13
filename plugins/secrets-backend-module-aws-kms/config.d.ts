export interface Config {
  secrets?: {
    encryption?: {
      /** Configuration of @backstage-secrets/plugin-secrets-backend-module-aws-kms. */
      awsKms?: {
        /**
         * The KMS key that wraps new data keys: a key id, key ARN, alias
         * name (`alias/backstage-secrets`) or alias ARN. The backend's AWS
         * identity needs `kms:Encrypt` and `kms:Decrypt` on it.
         */
        keyId: string;
        /** The key's AWS region. Default: the AWS SDK's region chain (AWS_REGION, shared config). */
        region?: string;
      };
    };
  };
}
