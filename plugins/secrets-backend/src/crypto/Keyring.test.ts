import { ConfigReader } from '@backstage/config';
import { Keyring } from './Keyring';
import { generateEncryptionKey } from './keyFormat';

describe('Keyring', () => {
  it('takes the first key as primary and decrypts with all', () => {
    const keyring = Keyring.fromSecrets([
      { id: 'new', secret: generateEncryptionKey() },
      { id: 'old', secret: generateEncryptionKey() },
    ]);
    expect(keyring.primary.id).toBe('new');
    expect(keyring.ids).toEqual(['new', 'old']);
    expect(keyring.get('old')).toBeDefined();
    expect(keyring.get('gone')).toBeUndefined();
  });

  it('reads keys from config', () => {
    const secret = generateEncryptionKey();
    const keyring = Keyring.fromConfig(
      new ConfigReader({
        secrets: { encryption: { keys: [{ id: 'k1', secret }] } },
      }),
    );
    expect(keyring?.primary.id).toBe('k1');
    expect(keyring?.matchesAnyKey(secret)).toBe(true);
    expect(keyring?.matchesAnyKey(generateEncryptionKey())).toBe(false);
    expect(keyring?.matchesAnyKey('short')).toBe(false);
  });

  it('returns undefined when no key is configured', () => {
    expect(Keyring.fromConfig(new ConfigReader({}))).toBeUndefined();
  });

  it.each([
    ['a short key', 'c2hvcnQ', /decodes to 5 bytes.*generate-key/],
    [
      'a non-base64url key',
      'not base64 at all!',
      /not base64url.*generate-key/,
    ],
    ['an empty key', '', /has no secret.*generate-key/],
    [
      'a 33-byte key',
      Buffer.alloc(33, 1).toString('base64url'),
      /decodes to 33 bytes/,
    ],
  ])(
    'refuses %s with a message saying how to generate one',
    (_what, secret, message) => {
      const config = new ConfigReader({
        secrets: { encryption: { keys: [{ id: 'k1', secret }] } },
      });
      expect(() => Keyring.fromConfig(config)).toThrow(message);
    },
  );

  it('never quotes the key in its error messages', () => {
    const almost = `${generateEncryptionKey()}AAAA`;
    expect(() => Keyring.fromSecrets([{ id: 'k1', secret: almost }])).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(almost) }),
    );
  });

  it('refuses duplicate and malformed ids', () => {
    const secret = generateEncryptionKey();
    expect(() =>
      Keyring.fromSecrets([
        { id: 'k1', secret },
        { id: 'k1', secret: generateEncryptionKey() },
      ]),
    ).toThrow(/listed twice/);
    expect(() => Keyring.fromSecrets([{ id: 'bad id!', secret }])).toThrow(
      /not valid/,
    );
  });

  it('refuses an empty keyring', () => {
    expect(() => Keyring.fromSecrets([])).toThrow(
      /No encryption key.*generate-key/,
    );
  });
});
