import { createSecretKey, KeyObject, timingSafeEqual } from 'node:crypto';
import type { ConfiguredKey } from '../config';
import { decodeEncryptionKey, GENERATE_KEY_HINT } from './keyFormat';

const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** A configured key, held as a KeyObject: fast, and its bytes are not copied around. */
export interface EncryptionKey {
  readonly id: string;
  readonly key: KeyObject;
}

/**
 * The configured encryption keys. The first is the primary: it encrypts
 * every write. All of them decrypt, so rows written under an older key stay
 * readable while that key is listed.
 */
export class Keyring {
  readonly primary: EncryptionKey;
  readonly #byId: Map<string, EncryptionKey>;

  constructor(keys: EncryptionKey[]) {
    if (keys.length === 0) {
      throw new Error(
        `No encryption key is configured for the secrets plugin (secrets.encryption.keys). ${GENERATE_KEY_HINT}`,
      );
    }
    this.primary = keys[0];
    this.#byId = new Map();
    for (const key of keys) {
      if (this.#byId.has(key.id)) {
        throw new Error(
          `Encryption key id '${key.id}' is listed twice in secrets.encryption.keys; every key needs its own id.`,
        );
      }
      this.#byId.set(key.id, key);
    }
  }

  /** Builds the keyring from `{ id, secret }` pairs, validating each. */
  static fromSecrets(entries: Array<{ id: string; secret: string }>): Keyring {
    return new Keyring(
      entries.map(({ id, secret }) => {
        if (!KEY_ID_PATTERN.test(id)) {
          throw new Error(
            `Encryption key id '${id}' is not valid: use 1-64 letters, digits, '.', '_' or '-'.`,
          );
        }
        return { id, key: createSecretKey(decodeEncryptionKey(secret, id)) };
      }),
    );
  }

  /**
   * Builds the keyring from `secrets.encryption.keys` as configured
   * (SecretsConfig.encryptionKeys); undefined when none is configured.
   */
  static fromConfig(keys: ConfiguredKey[] | undefined): Keyring | undefined {
    if (!keys || keys.length === 0) {
      return undefined;
    }
    return Keyring.fromSecrets(
      keys.map(({ id, secret }, index) => {
        // An empty value (an unset environment variable) gets this
        // plugin's message, not a type error.
        if (typeof id !== 'string' || !id) {
          throw new Error(
            `secrets.encryption.keys[${index}] has no id; give every key a short stable id such as 'k2025'.`,
          );
        }
        if (typeof secret !== 'string' || !secret) {
          throw new Error(
            `Encryption key '${id}' (secrets.encryption.keys[${index}]) has no secret. ${GENERATE_KEY_HINT}`,
          );
        }
        return { id, secret };
      }),
    );
  }

  get(id: string): EncryptionKey | undefined {
    return this.#byId.get(id);
  }

  get ids(): string[] {
    return [...this.#byId.keys()];
  }

  /**
   * Whether a string holds one of the keys: as the configured base64url,
   * as base64 (with or without padding) or hex, alone or inside a longer
   * string (e.g. `Bearer <key>` or a JSON document). For the start-up guard of
   * pinned values, which must never serve a key as a secret. Exact matches
   * are compared in constant time.
   */
  matchesAnyKey(candidate: string): boolean {
    // The value as a whole, decoded the ways a key is written down...
    const compact = candidate.replace(/\s+/g, '');
    const decoded = [
      Buffer.from(compact.replace(/=+$/, ''), 'base64url'),
      Buffer.from(compact, 'base64'),
      ...(/^[0-9a-f]+$/i.test(compact) ? [Buffer.from(compact, 'hex')] : []),
    ];
    // ...and any of those forms inside a longer value (`Bearer <key>`);
    // hex in either case.
    const lower = candidate.toLowerCase();
    let found = false;
    for (const { key } of this.#byId.values()) {
      const keyBytes = key.export();
      for (const bytes of decoded) {
        if (
          bytes.length === keyBytes.length &&
          timingSafeEqual(bytes, keyBytes)
        ) {
          found = true;
        }
      }
      const base64 = keyBytes.toString('base64');
      const encodings = [
        keyBytes.toString('base64url'),
        base64,
        base64.replace(/=+$/, ''),
      ];
      if (
        encodings.some(encoded => candidate.includes(encoded)) ||
        lower.includes(keyBytes.toString('hex'))
      ) {
        found = true;
      }
    }
    return found;
  }
}
