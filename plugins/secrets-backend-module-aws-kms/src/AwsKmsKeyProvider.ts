import {
  DecryptCommand,
  EncryptCommand,
  KMSClient,
  KMSServiceException,
} from '@aws-sdk/client-kms';
import { ServiceUnavailableError } from '@backstage/errors';
import type { SecretsKeyProvider } from '@backstage-secrets/plugin-secrets-node';

/**
 * The id `secrets.encryption.provider` names this provider by.
 *
 * @public
 */
export const AWS_KMS_PROVIDER_ID = 'aws-kms';

/** Data keys are AES-256 keys. */
const DATA_KEY_BYTES = 32;

/** @public */
export interface AwsKmsKeyProviderOptions {
  /** The KMS key that wraps new data keys: key id, ARN, alias name or alias ARN. */
  keyId: string;
  /** A client for the key's region; credentials come from the AWS SDK's default chain. */
  client: KMSClient;
}

/**
 * Wraps data keys with an AWS KMS key (`Encrypt`/`Decrypt`, at most 4 KiB,
 * so a 32-byte data key is wrapped directly, no `GenerateDataKey` needed).
 * The context the secrets backend passes (the secret's name and scope) is
 * the KMS encryption context: KMS refuses to unwrap a key under another
 * name, and CloudTrail logs it with every call.
 *
 * Errors name the KMS error and what to check, never key material.
 *
 * @public
 */
export class AwsKmsKeyProvider implements SecretsKeyProvider {
  readonly id = AWS_KMS_PROVIDER_ID;

  constructor(private readonly options: AwsKmsKeyProviderOptions) {}

  async wrapKey(
    dataKey: Buffer,
    context: Record<string, string>,
  ): Promise<{ keyId: string; wrappedKey: Buffer }> {
    if (dataKey.length !== DATA_KEY_BYTES) {
      throw new TypeError(`A data key has ${DATA_KEY_BYTES} bytes`);
    }
    const result = await this.call('wrap a data key', () =>
      this.options.client.send(
        new EncryptCommand({
          KeyId: this.options.keyId,
          Plaintext: dataKey,
          EncryptionContext: context,
        }),
      ),
    );
    if (!result.CiphertextBlob || !result.KeyId) {
      throw new ServiceUnavailableError(
        'AWS KMS answered Encrypt without a ciphertext or key id',
      );
    }
    // KMS answers the key's ARN whatever form keyId had: the row keeps the
    // ARN, so an alias moved to another key later still decrypts old rows.
    return {
      keyId: result.KeyId,
      wrappedKey: Buffer.from(result.CiphertextBlob),
    };
  }

  async unwrapKey(
    wrappedKey: Buffer,
    keyId: string,
    context: Record<string, string>,
  ): Promise<Buffer> {
    const result = await this.call(
      `unwrap a data key of KMS key ${keyId}`,
      () =>
        this.options.client.send(
          new DecryptCommand({
            CiphertextBlob: wrappedKey,
            KeyId: keyId,
            EncryptionContext: context,
          }),
        ),
    );
    const plaintext = result.Plaintext;
    if (!plaintext || plaintext.length !== DATA_KEY_BYTES) {
      throw new ServiceUnavailableError(
        `AWS KMS did not answer a ${DATA_KEY_BYTES}-byte data key for KMS key ${keyId}`,
      );
    }
    return Buffer.from(plaintext);
  }

  /** Runs a KMS call; failures become errors that say what to check. */
  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw new ServiceUnavailableError(
        `AWS KMS could not ${what}: ${describeKmsFailure(error)}`,
      );
    }
  }
}

/** What a KMS failure means for an operator, from its name only. */
export function describeKmsFailure(error: unknown): string {
  const name =
    error instanceof KMSServiceException
      ? error.name
      : (error as { name?: string })?.name ?? 'Error';
  switch (name) {
    case 'InvalidCiphertextException':
      return 'InvalidCiphertextException (the wrapped key does not belong to this secret, or was changed: its encryption context or key does not match)';
    case 'IncorrectKeyException':
      return 'IncorrectKeyException (the wrapped key was made by another KMS key than the one recorded with it)';
    case 'DisabledException':
      return 'DisabledException (the KMS key is disabled: enable it, or re-wrap the data keys with another key)';
    case 'KMSInvalidStateException':
      return 'KMSInvalidStateException (the KMS key is pending deletion or import, or otherwise unusable)';
    case 'NotFoundException':
      return 'NotFoundException (no such KMS key in this region: check secrets.encryption.awsKms.keyId and region)';
    case 'AccessDeniedException':
      return "AccessDeniedException (the backend's AWS identity lacks kms:Encrypt or kms:Decrypt on the key, or the key policy does not allow it)";
    default:
      return `${name} (KMS is unreachable or failed; reads of values whose data key is not cached answer 503 until it is back)`;
  }
}
