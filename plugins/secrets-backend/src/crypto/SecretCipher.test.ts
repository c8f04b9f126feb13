import { Keyring } from './Keyring';
import { generateEncryptionKey } from './keyFormat';
import { SecretCipher, SecretDecryptionError } from './SecretCipher';

const keyA = generateEncryptionKey();
const keyB = generateEncryptionKey();
const CANARY = 'canary-value-7f3a9c';

function flipByte(base64: string, index: number): string {
  const bytes = Buffer.from(base64, 'base64');
  const i = index < 0 ? bytes.length + index : index;
  bytes[i] ^= 0x01;
  return bytes.toString('base64');
}

describe('SecretCipher', () => {
  const cipher = new SecretCipher(
    Keyring.fromSecrets([{ id: 'a', secret: keyA }]),
  );

  it('round-trips a value, including unicode and JSON', () => {
    for (const value of [
      CANARY,
      'ünïcødé ✓ 🔑',
      '{"type":"service_account"}',
    ]) {
      const encrypted = cipher.encrypt('MY_SECRET', 3, value);
      expect(encrypted.keyId).toBe('a');
      expect(cipher.decrypt('MY_SECRET', 3, encrypted)).toBe(value);
    }
  });

  it('never stores the plaintext', () => {
    const encrypted = cipher.encrypt('MY_SECRET', 1, CANARY);
    expect(encrypted.ciphertext).not.toContain(CANARY);
    expect(
      Buffer.from(encrypted.ciphertext, 'base64').toString('latin1'),
    ).not.toContain(CANARY);
  });

  it('uses a fresh nonce for every write', () => {
    const nonces = new Set<string>();
    const ciphertexts = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { ciphertext } = cipher.encrypt('MY_SECRET', 1, CANARY);
      ciphertexts.add(ciphertext);
      nonces.add(
        Buffer.from(ciphertext, 'base64').subarray(0, 12).toString('hex'),
      );
    }
    expect(nonces.size).toBe(200);
    expect(ciphertexts.size).toBe(200);
  });

  it.each([
    ['nonce', 0],
    ['ciphertext', 12],
    ['tag', -1],
  ])('detects a tampered byte in the %s', (_part, index) => {
    const encrypted = cipher.encrypt('MY_SECRET', 1, CANARY);
    const tampered = {
      ...encrypted,
      ciphertext: flipByte(encrypted.ciphertext, index),
    };
    expect(() => cipher.decrypt('MY_SECRET', 1, tampered)).toThrow(
      SecretDecryptionError,
    );
  });

  it('refuses a ciphertext copied to another name', () => {
    const encrypted = cipher.encrypt('MY_SECRET', 1, CANARY);
    expect(() => cipher.decrypt('OTHER_SECRET', 1, encrypted)).toThrow(
      /OTHER_SECRET cannot be decrypted/,
    );
  });

  it('refuses a ciphertext replayed at another version', () => {
    const encrypted = cipher.encrypt('MY_SECRET', 1, CANARY);
    expect(() => cipher.decrypt('MY_SECRET', 2, encrypted)).toThrow(
      SecretDecryptionError,
    );
  });

  it('refuses a truncated ciphertext', () => {
    expect(() =>
      cipher.decrypt('MY_SECRET', 1, { keyId: 'a', ciphertext: 'AAAA' }),
    ).toThrow(/truncated/);
  });

  it('decrypts rows under a retired key while that key is listed, and encrypts with the primary', () => {
    const old = new SecretCipher(
      Keyring.fromSecrets([{ id: 'a', secret: keyA }]),
    );
    const underA = old.encrypt('MY_SECRET', 1, CANARY);

    const rotated = new SecretCipher(
      Keyring.fromSecrets([
        { id: 'b', secret: keyB },
        { id: 'a', secret: keyA },
      ]),
    );
    expect(rotated.decrypt('MY_SECRET', 1, underA)).toBe(CANARY);
    expect(rotated.encrypt('MY_SECRET', 2, CANARY).keyId).toBe('b');

    const withoutA = new SecretCipher(
      Keyring.fromSecrets([{ id: 'b', secret: keyB }]),
    );
    expect(() => withoutA.decrypt('MY_SECRET', 1, underA)).toThrow(
      /key 'a', which is not configured/,
    );
  });

  it('fails authentication with a different key under the same id', () => {
    const encrypted = cipher.encrypt('MY_SECRET', 1, CANARY);
    const impostor = new SecretCipher(
      Keyring.fromSecrets([{ id: 'a', secret: keyB }]),
    );
    expect(() => impostor.decrypt('MY_SECRET', 1, encrypted)).toThrow(
      SecretDecryptionError,
    );
  });

  it('never puts the value in an error message', () => {
    const encrypted = cipher.encrypt('MY_SECRET', 1, CANARY);
    let caught: Error | undefined;
    try {
      cipher.decrypt('MY_SECRET', 2, encrypted);
    } catch (error) {
      caught = error as Error;
    }
    expect(caught).toBeInstanceOf(SecretDecryptionError);
    expect(`${caught?.message} ${caught?.stack}`).not.toContain(CANARY);
  });
});
