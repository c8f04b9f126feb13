import { randomBytes } from 'node:crypto';
import { AwsKmsKeyProvider } from './AwsKmsKeyProvider';
import { fakeKms } from './__testUtils__/fakeKms';

describe('AwsKmsKeyProvider', () => {
  let kms: ReturnType<typeof fakeKms>;
  let key: { id: string; arn: string };
  let provider: AwsKmsKeyProvider;
  const context = { secret: 'OPENAI_API_KEY', scope: 'shared' };

  beforeEach(() => {
    kms = fakeKms();
    key = kms.createKey('alias/backstage-secrets');
    provider = new AwsKmsKeyProvider({
      keyId: 'alias/backstage-secrets',
      client: kms.client,
    });
  });
  afterEach(() => kms.restore());

  it('wraps a data key under the key ARN and unwraps it with the same context', async () => {
    const dataKey = randomBytes(32);
    const { keyId, wrappedKey } = await provider.wrapKey(dataKey, context);
    expect(keyId).toBe(key.arn);
    expect(wrappedKey.includes(dataKey)).toBe(false);
    await expect(
      provider.unwrapKey(wrappedKey, keyId, context),
    ).resolves.toEqual(dataKey);
  });

  it('refuses to unwrap under another context: a row moved to another name fails', async () => {
    const { keyId, wrappedKey } = await provider.wrapKey(
      randomBytes(32),
      context,
    );
    await expect(
      provider.unwrapKey(wrappedKey, keyId, { ...context, secret: 'OTHER' }),
    ).rejects.toThrow(
      `AWS KMS could not unwrap a data key of KMS key ${key.arn}: InvalidCiphertextException (the wrapped key does not belong to this secret, or was changed: its encryption context or key does not match)`,
    );
  });

  it('fails while the key is disabled, and names what to do', async () => {
    const { keyId, wrappedKey } = await provider.wrapKey(
      randomBytes(32),
      context,
    );
    kms.disable(key.arn);
    await expect(
      provider.unwrapKey(wrappedKey, keyId, context),
    ).rejects.toThrow(
      /DisabledException \(the KMS key is disabled: enable it, or re-wrap the data keys with another key\)/,
    );
    await expect(
      provider.wrapKey(randomBytes(32), context),
    ).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
    });
  });

  it('says which key a wrapped key belongs to when another key is named', async () => {
    const other = kms.createKey();
    const { wrappedKey } = await provider.wrapKey(randomBytes(32), context);
    await expect(
      provider.unwrapKey(wrappedKey, other.arn, context),
    ).rejects.toThrow(/IncorrectKeyException/);
  });

  it('answers 503-style errors without key material when KMS is unreachable', async () => {
    const dataKey = randomBytes(32);
    const { keyId, wrappedKey } = await provider.wrapKey(dataKey, context);
    kms.setDown(true);
    const error = await provider
      .unwrapKey(wrappedKey, keyId, context)
      .catch(e => e as Error);
    expect(error).toMatchObject({ name: 'ServiceUnavailableError' });
    const text = JSON.stringify({ message: (error as Error).message });
    expect(text).not.toContain(dataKey.toString('base64'));
    expect(text).not.toContain(dataKey.toString('hex'));
    expect(text).not.toContain(wrappedKey.toString('base64'));
  });

  it('refuses a data key of the wrong size', async () => {
    await expect(provider.wrapKey(randomBytes(16), context)).rejects.toThrow(
      'A data key has 32 bytes',
    );
    expect(kms.calls.encrypt).toBe(0);
  });
});
