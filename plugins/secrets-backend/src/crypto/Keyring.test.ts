import { ConfigReader } from '@backstage/config';
import { SecretsConfig } from '../config';
import { Keyring } from './Keyring';
import { generateEncryptionKey } from './keyFormat';

/** `secrets.encryption.keys` as the plugin reads it from app-config. */
const configuredKeys = (data: object) =>
  new SecretsConfig(new ConfigReader(data)).encryptionKeys();

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
      configuredKeys({
        secrets: { encryption: { keys: [{ id: 'k1', secret }] } },
      }),
    );
    expect(keyring?.primary.id).toBe('k1');
    expect(keyring?.matchesAnyKey(secret)).toBe(true);
    expect(keyring?.matchesAnyKey(generateEncryptionKey())).toBe(false);
    expect(keyring?.matchesAnyKey('short')).toBe(false);
  });

  it('finds a key in a pin in any common encoding, also inside a longer string', () => {
    const bytes = Buffer.from(
      '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
      'hex',
    );
    const keyring = Keyring.fromSecrets([
      { id: 'k1', secret: bytes.toString('base64url') },
    ]);
    for (const pin of [
      bytes.toString('base64url'),
      ` ${bytes.toString('base64url')}\n`,
      bytes.toString('base64'),
      bytes.toString('hex'),
      bytes.toString('hex').toUpperCase(),
      `Bearer ${bytes.toString('base64url')}`,
      JSON.stringify({ private_key: bytes.toString('hex') }),
    ]) {
      expect({ pin, matches: keyring.matchesAnyKey(pin) }).toEqual({
        pin,
        matches: true,
      });
    }
    expect(keyring.matchesAnyKey(bytes.toString('hex').slice(2))).toBe(false);
    expect(keyring.matchesAnyKey(generateEncryptionKey())).toBe(false);
  });

  it('finds a key whose base64 and base64url differ, in mixed-case hex, padded, or wrapped over lines', () => {
    // 0xfb 0xff …: base64 has '+' and '/', base64url '-' and '_'.
    const bytes = Buffer.from(
      'fbff3e7f0a0bfbff3e7f0a0bfbff3e7f0a0bfbff3e7f0a0bfbff3e7f0a0bfbff',
      'hex',
    );
    expect(bytes.toString('base64')).toMatch(/[+/]/);
    const keyring = Keyring.fromSecrets([
      { id: 'k1', secret: bytes.toString('base64url') },
    ]);
    const hex = bytes.toString('hex');
    const mixedHex = [...hex]
      .map((c, i) => (i % 2 ? c.toUpperCase() : c))
      .join('');
    const base64 = bytes.toString('base64');
    for (const pin of [
      base64,
      `${bytes.toString('base64url')}=`,
      mixedHex,
      `token=${mixedHex}`,
      `${base64.slice(0, 20)}\n${base64.slice(20)}`,
    ]) {
      expect({ pin, matches: keyring.matchesAnyKey(pin) }).toEqual({
        pin,
        matches: true,
      });
    }
  });

  it('returns undefined when no key is configured', () => {
    expect(Keyring.fromConfig(configuredKeys({}))).toBeUndefined();
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
      const keys = configuredKeys({
        secrets: { encryption: { keys: [{ id: 'k1', secret }] } },
      });
      expect(() => Keyring.fromConfig(keys)).toThrow(message);
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
