import { EnvelopeCipher } from './EnvelopeCipher';
import { generateEncryptionKey } from './keyFormat';
import { keyContext } from './keyContext';
import { Keyring } from './Keyring';
import { SecretCipher } from './SecretCipher';

const CANARY = 'canary-entity-owner-41d2';

describe('entity owners in the associated data', () => {
  const keyring = Keyring.fromSecrets([
    { id: 'k1', secret: generateEncryptionKey() },
  ]);
  const cipher = new SecretCipher(keyring);

  it("binds the entity ref: another entity, a user's or a shared value fail", () => {
    const owner = { entityRef: 'component:default/payments' };
    const stored = cipher.encrypt('SENTRY_DSN', 1, CANARY, owner);
    expect(cipher.decrypt('SENTRY_DSN', 1, stored, owner)).toBe(CANARY);
    for (const other of [
      { entityRef: 'component:default/billing' },
      'component:default/payments', // the same string as a user's own value
      undefined,
    ]) {
      expect(() => cipher.decrypt('SENTRY_DSN', 1, stored, other)).toThrow(
        /fails authentication/,
      );
    }
    expect(() => cipher.decrypt('SENTRY_DSN', 2, stored, owner)).toThrow(
      /fails authentication/,
    );
  });

  it('names the entity in the key context, apart from users', () => {
    expect(keyContext('S', { entityRef: 'component:default/a' })).toEqual({
      secret: 'S',
      scope: 'entity',
      entity: 'component:default/a',
    });
    expect(keyContext('S', 'user:default/a')).toMatchObject({ scope: 'user' });
  });

  it('round-trips through the envelope cipher', async () => {
    const envelope = EnvelopeCipher.local(keyring);
    const owner = { entityRef: 'component:default/payments' };
    const stored = await envelope.encrypt('S', 3, CANARY, owner);
    await expect(envelope.decrypt('S', 3, stored, owner)).resolves.toBe(CANARY);
    await expect(
      envelope.decrypt('S', 3, stored, { entityRef: 'component:default/x' }),
    ).rejects.toThrow(/fails authentication/);
  });
});
