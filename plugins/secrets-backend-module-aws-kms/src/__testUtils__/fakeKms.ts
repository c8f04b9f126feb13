import {
  DecryptCommand,
  DisabledException,
  EncryptCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSClient,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';

type Wrapped = {
  keyArn: string;
  plaintext: Buffer;
  context: Record<string, string>;
};

/**
 * KMS as its documentation describes Encrypt and Decrypt, over
 * aws-sdk-client-mock: keys by id, ARN or alias; the answer's KeyId is the
 * key ARN; a ciphertext decrypts only with the encryption context it was
 * made with (InvalidCiphertextException otherwise), only by its own key
 * (IncorrectKeyException when another KeyId is given), and not while its key
 * is disabled (DisabledException). Calls are counted per command.
 * `everyClient` fakes every KMSClient, not only the returned one.
 */
export function fakeKms(options: { everyClient?: boolean } = {}) {
  const keys = new Map<string, { arn: string; enabled: boolean }>();
  const aliases = new Map<string, string>();
  const wrapped = new Map<string, Wrapped>();
  const calls = { encrypt: 0, decrypt: 0 };
  let down = false;

  const createKey = (alias?: string) => {
    const id = randomBytes(16).toString('hex');
    const arn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
    keys.set(arn, { arn, enabled: true });
    if (alias) aliases.set(alias, arn);
    return { id, arn };
  };

  const arnOf = (keyId: string | undefined) => {
    if (keyId === undefined) return undefined;
    if (keys.has(keyId)) return keyId;
    return (
      aliases.get(keyId) ?? [...keys.keys()].find(k => k.endsWith(`/${keyId}`))
    );
  };

  const resolve = (keyId: string | undefined) => {
    const arn = arnOf(keyId);
    const key = arn ? keys.get(arn) : undefined;
    if (!key) {
      throw new NotFoundException({
        message: `Key '${keyId}' does not exist`,
        $metadata: {},
      });
    }
    return key;
  };

  const unreachable = () =>
    Object.assign(
      new Error('connect ECONNREFUSED kms.eu-west-1.amazonaws.com'),
      {
        name: 'TimeoutError',
      },
    );

  const client = new KMSClient({ region: REGION });
  // everyClient: also the clients that code under test creates itself (the
  // module's own KMSClient in a test backend).
  const mock = mockClient(options.everyClient ? KMSClient : client);
  mock.on(EncryptCommand).callsFake(async input => {
    calls.encrypt += 1;
    if (down) throw unreachable();
    const key = resolve(input.KeyId);
    if (!key.enabled) {
      throw new DisabledException({
        message: `${key.arn} is disabled.`,
        $metadata: {},
      });
    }
    const blob = randomBytes(48);
    wrapped.set(blob.toString('hex'), {
      keyArn: key.arn,
      plaintext: Buffer.from(input.Plaintext!),
      context: { ...(input.EncryptionContext ?? {}) },
    });
    return { CiphertextBlob: new Uint8Array(blob), KeyId: key.arn };
  });
  mock.on(DecryptCommand).callsFake(async input => {
    calls.decrypt += 1;
    if (down) throw unreachable();
    const record = wrapped.get(
      Buffer.from(input.CiphertextBlob!).toString('hex'),
    );
    if (!record) {
      throw new InvalidCiphertextException({ message: '', $metadata: {} });
    }
    if (
      input.KeyId !== undefined &&
      resolve(input.KeyId).arn !== record.keyArn
    ) {
      throw new IncorrectKeyException({ message: '', $metadata: {} });
    }
    if (!isDeepStrictEqual(input.EncryptionContext ?? {}, record.context)) {
      throw new InvalidCiphertextException({ message: '', $metadata: {} });
    }
    const key = keys.get(record.keyArn)!;
    if (!key.enabled) {
      throw new DisabledException({
        message: `${key.arn} is disabled.`,
        $metadata: {},
      });
    }
    return {
      Plaintext: new Uint8Array(record.plaintext),
      KeyId: record.keyArn,
    };
  });

  return {
    client,
    calls,
    createKey,
    disable: (arn: string) => {
      keys.get(arn)!.enabled = false;
    },
    setDown: (isDown: boolean) => {
      down = isDown;
    },
    restore: () => mock.restore(),
  };
}
