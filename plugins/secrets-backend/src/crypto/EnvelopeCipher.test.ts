import { randomBytes } from 'node:crypto';
import { ServiceUnavailableError } from '@backstage/errors';
import type { SecretsKeyProvider } from '@backstage-secrets/plugin-secrets-node';
import { DataKeyCache } from './DataKeyCache';
import { EnvelopeCipher, type KeyProviderFailure } from './EnvelopeCipher';
import { generateEncryptionKey } from './keyFormat';
import { KeyProviders } from './KeyProviders';
import { Keyring } from './Keyring';
import { LocalKeyProvider } from './LocalKeyProvider';
import { SecretCipher, SecretDecryptionError } from './SecretCipher';

const CANARY = 'canary-envelope-value-51c2';

/**
 * A provider that keeps wrapped keys in memory (like a KMS: the wrapped key
 * is a handle, useless without the provider), binds the context, counts
 * calls and can be switched off.
 */
function fakeProvider(id = 'fake') {
  const store = new Map<string, { key: Buffer; context: string }>();
  const state = {
    down: false,
    wraps: 0,
    unwraps: 0,
    keyId: 'key-1',
  };
  const provider: SecretsKeyProvider = {
    id,
    async wrapKey(dataKey, context) {
      state.wraps += 1;
      if (state.down) throw new ServiceUnavailableError(`${id} is down`);
      const handle = randomBytes(24);
      store.set(handle.toString('hex'), {
        key: Buffer.from(dataKey),
        context: JSON.stringify(context),
      });
      return { keyId: state.keyId, wrappedKey: handle };
    },
    async unwrapKey(wrappedKey, _keyId, context) {
      state.unwraps += 1;
      if (state.down) throw new ServiceUnavailableError(`${id} is down`);
      const entry = store.get(wrappedKey.toString('hex'));
      if (!entry || entry.context !== JSON.stringify(context)) {
        throw new Error('InvalidCiphertext: the context does not match');
      }
      return Buffer.from(entry.key);
    },
  };
  return { provider, state, store };
}

function setup(options: { ttlMs?: number; current?: string } = {}) {
  const fake = fakeProvider();
  const keyring = Keyring.fromSecrets([
    { id: 'k1', secret: generateEncryptionKey() },
  ]);
  let now = 1_000_000;
  const failures: KeyProviderFailure[] = [];
  const cache = new DataKeyCache({
    ttlMs: options.ttlMs ?? 60_000,
    maxEntries: 3,
    now: () => now,
  });
  const cipher = new EnvelopeCipher({
    providers: new KeyProviders(
      [new LocalKeyProvider(keyring), fake.provider],
      options.current ?? 'fake',
    ),
    keyring,
    cache,
    onProviderFailure: failure => failures.push(failure),
  });
  return {
    ...fake,
    keyring,
    cache,
    cipher,
    failures,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('EnvelopeCipher', () => {
  it('encrypts each version with its own data key, wrapped by the provider, and round-trips', async () => {
    const { cipher, state, store } = setup();
    const one = await cipher.encrypt('MY_SECRET', 1, CANARY);
    const two = await cipher.encrypt('MY_SECRET', 2, CANARY);
    expect(one).toMatchObject({ provider: 'fake', keyId: 'key-1' });
    expect(one.wrappedKey).not.toEqual(two.wrappedKey);
    expect(state.wraps).toBe(2);
    const keys = [...store.values()].map(e => e.key.toString('hex'));
    expect(new Set(keys).size).toBe(2);
    expect(await cipher.decrypt('MY_SECRET', 1, one)).toBe(CANARY);
    expect(await cipher.decrypt('MY_SECRET', 2, two)).toBe(CANARY);
    expect(JSON.stringify(one)).not.toContain(CANARY);
  });

  it('binds the row: another name, version or owner fails, even with the data key cached', async () => {
    const { cipher } = setup();
    const stored = await cipher.encrypt('MY_SECRET', 1, CANARY, 'user:a/b');
    await expect(
      cipher.decrypt('OTHER', 1, stored, 'user:a/b'),
    ).rejects.toThrow(SecretDecryptionError);
    await expect(
      cipher.decrypt('MY_SECRET', 2, stored, 'user:a/b'),
    ).rejects.toThrow(SecretDecryptionError);
    await expect(
      cipher.decrypt('MY_SECRET', 1, stored, 'user:a/c'),
    ).rejects.toThrow(SecretDecryptionError);
    await expect(cipher.decrypt('MY_SECRET', 1, stored)).rejects.toThrow(
      SecretDecryptionError,
    );
  });

  it('serves warm reads from the cache and unwraps a cold one once per TTL', async () => {
    const { cipher, cache, state, advance } = setup({ ttlMs: 60_000 });
    const stored = await cipher.encrypt('S', 1, CANARY);
    cache.clear(); // another replica wrote it: cold here
    const reads = await Promise.all(
      Array.from({ length: 5 }, () => cipher.decrypt('S', 1, stored)),
    );
    expect(reads).toEqual(Array(5).fill(CANARY));
    expect(state.unwraps).toBe(1);
    advance(59_999);
    await cipher.decrypt('S', 1, stored);
    expect(state.unwraps).toBe(1);
    advance(1);
    await cipher.decrypt('S', 1, stored);
    expect(state.unwraps).toBe(2);
  });

  it('keeps cached keys working while the provider is down; the rest answer 503 and are audited without key material', async () => {
    const { cipher, cache, state, failures, store } = setup();
    const warm = await cipher.encrypt('WARM', 1, `${CANARY}-warm`);
    const cold = await cipher.encrypt('COLD', 1, `${CANARY}-cold`);
    cache.clear();
    await cipher.decrypt('WARM', 1, warm);
    state.down = true;
    expect(await cipher.decrypt('WARM', 1, warm)).toBe(`${CANARY}-warm`);
    const error = await cipher.decrypt('COLD', 1, cold).catch(e => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    await expect(cipher.encrypt('NEW', 1, CANARY)).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );
    expect(failures).toEqual([
      expect.objectContaining({
        provider: 'fake',
        operation: 'unwrap',
        name: 'COLD',
        unavailable: true,
      }),
      expect.objectContaining({ operation: 'wrap', name: 'NEW' }),
    ]);
    const text = JSON.stringify({ failures, message: error.message });
    expect(text).not.toContain(CANARY);
    for (const { key } of store.values()) {
      expect(text).not.toContain(key.toString('hex'));
      expect(text).not.toContain(key.toString('base64'));
    }
    // Back up: the cold read works, nothing was cached from the failure.
    state.down = false;
    expect(await cipher.decrypt('COLD', 1, cold)).toBe(`${CANARY}-cold`);
  });

  it('reports a refused unwrap (moved wrapped key) as a decryption failure, not a 503', async () => {
    const { cipher, cache } = setup();
    const a = await cipher.encrypt('A', 1, CANARY);
    const b = await cipher.encrypt('B', 1, CANARY);
    cache.clear();
    await expect(
      cipher.decrypt('B', 1, { ...b, wrappedKey: a.wrappedKey }),
    ).rejects.toThrow(SecretDecryptionError);
  });

  it('re-wraps data keys only: the value ciphertext stays, and the old wrapped key is not needed any more', async () => {
    const { cipher, keyring } = setup();
    const other = fakeProvider('other');
    other.state.keyId = 'key-2';
    const stored = await cipher.encrypt('S', 3, CANARY);
    const moving = new EnvelopeCipher({
      providers: new KeyProviders(
        [new LocalKeyProvider(keyring), setupProvider(cipher), other.provider],
        'other',
      ),
      keyring,
      cache: new DataKeyCache({ ttlMs: 1000 }),
    });
    // (the first provider unwraps through the original cipher's provider)
    const moved = await moving.rewrap('S', 3, stored);
    expect(moved).toMatchObject({
      provider: 'other',
      keyId: 'key-2',
      ciphertext: stored.ciphertext,
    });
    expect(await moving.currentKey()).toEqual({
      provider: 'other',
      keyId: 'key-2',
    });
    const fresh = new EnvelopeCipher({
      providers: new KeyProviders([other.provider], 'other'),
      cache: new DataKeyCache({ ttlMs: 1000 }),
    });
    expect(await fresh.decrypt('S', 3, moved)).toBe(CANARY);
  });

  it('reads rows from before envelope encryption, gives them a data key when re-wrapped, and moves them back to local', async () => {
    const { cipher, keyring } = setup();
    const legacy = new SecretCipher(keyring).encrypt('S', 1, CANARY);
    expect(await cipher.decrypt('S', 1, legacy)).toBe(CANARY);
    const moved = await cipher.rewrap('S', 1, legacy);
    expect(moved.provider).toBe('fake');
    expect(moved.wrappedKey).toBeDefined();
    expect(await cipher.decrypt('S', 1, moved)).toBe(CANARY);
    const local = new EnvelopeCipher({
      providers: new KeyProviders(
        [new LocalKeyProvider(keyring), setupProvider(cipher)],
        'local',
      ),
      keyring,
      cache: new DataKeyCache({ ttlMs: 1000 }),
    });
    const back = await local.rewrap('S', 1, moved);
    expect(back).toEqual({ keyId: 'k1', ciphertext: expect.any(String) });
    expect(new SecretCipher(keyring).decrypt('S', 1, back)).toBe(CANARY);
  });

  it('with local, writes exactly the format of before (no data key), readable by SecretCipher', async () => {
    const { cipher, keyring, state } = setup({ current: 'local' });
    const stored = await cipher.encrypt('S', 1, CANARY, 'user:a/b');
    expect(stored).toEqual({ keyId: 'k1', ciphertext: expect.any(String) });
    expect(state.wraps).toBe(0);
    expect(new SecretCipher(keyring).decrypt('S', 1, stored, 'user:a/b')).toBe(
      CANARY,
    );
    expect(await cipher.currentKey()).toEqual({
      provider: 'local',
      keyId: 'k1',
    });
  });

  it('names a provider that is not installed', async () => {
    const { cipher } = setup();
    const stored = await cipher.encrypt('S', 1, CANARY);
    const without = EnvelopeCipher.local(
      Keyring.fromSecrets([{ id: 'k1', secret: generateEncryptionKey() }]),
    );
    await expect(without.decrypt('S', 1, stored)).rejects.toThrow(
      /key provider 'fake', which is not installed/,
    );
    expect(without.canDecryptWith(stored)).toBe(false);
    expect(cipher.canDecryptWith(stored)).toBe(true);
  });
});

describe('KeyProviders', () => {
  it('refuses an unknown provider id and duplicate ids', () => {
    const { provider } = fakeProvider('vault');
    expect(() => new KeyProviders([provider], 'aws-kms')).toThrow(
      /secrets.encryption.provider is 'aws-kms', but no installed key provider has that id \(installed: 'vault'\)/,
    );
    expect(() => new KeyProviders([provider, provider], 'vault')).toThrow(
      /Two key providers have the id 'vault'/,
    );
  });
});

describe('DataKeyCache', () => {
  it('is bounded: the oldest key goes first', async () => {
    const { cipher, cache, state } = setup(); // maxEntries 3
    const rows = [];
    for (const name of ['A', 'B', 'C', 'D']) {
      rows.push([name, await cipher.encrypt(name, 1, CANARY)] as const);
    }
    expect(cache.size).toBe(3);
    const before = state.unwraps;
    await cipher.decrypt('D', 1, rows[3][1]);
    expect(state.unwraps).toBe(before);
    await cipher.decrypt('A', 1, rows[0][1]); // evicted: unwrapped again
    expect(state.unwraps).toBe(before + 1);
  });
});

/** The provider behind a cipher built by setup(), for a second cipher. */
function setupProvider(cipher: EnvelopeCipher): SecretsKeyProvider {
  return (cipher as any).options.providers.get('fake');
}
