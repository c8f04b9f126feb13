import type { LoggerService } from '@backstage/backend-plugin-api';
import type { EncryptionStatus } from '@backstage-secrets/plugin-secrets-common';
import type { Keyring } from '../crypto/Keyring';
import {
  EncryptedValue,
  SecretCipher,
  SecretDecryptionError,
} from '../crypto/SecretCipher';
import type {
  CiphertextReplacement,
  SecretsStore,
} from '../database/SecretsStore';
import type { UserSecretsStore } from '../database/UserSecretsStore';
import type { SecretChangeEvents } from './changeEvents';

/** Rows per key, and whether each key may be removed from the config. */
export interface RotationResult {
  reencrypted: number;
  /** changed by a writer meanwhile (already under the primary key) */
  skipped: number;
  /** cannot be decrypted: left as they are, reported in the list */
  failed: number;
  remaining: number;
}

/** The replacement of a row as it was read by the new ciphertext. */
function replacementOf(
  row: { name: string; version: number } & EncryptedValue,
  encrypted: EncryptedValue,
): CiphertextReplacement {
  return {
    name: row.name,
    version: row.version,
    fromKeyId: row.keyId,
    fromCiphertext: row.ciphertext,
    encrypted,
  };
}

/**
 * Re-encrypts rows still under older keys with the primary key, in small
 * batches of independent compare-and-set updates: no long transaction, no
 * lock held across rows, so reads and writes go on, and a write that lands
 * between the read and the update of a row wins (the update is skipped).
 */
export class KeyRotation {
  constructor(
    private readonly options: {
      keyring: Keyring;
      cipher: SecretCipher;
      store: SecretsStore;
      /** users' own values, rotated after the shared ones */
      userStore?: UserSecretsStore;
      logger: LoggerService;
      /** each re-encrypted row is a change event, like any other write */
      changes?: SecretChangeEvents;
      batchSize: number;
      pauseBetweenBatchesMs?: number;
    },
  ) {}

  async status(): Promise<EncryptionStatus> {
    const { keyring, store, userStore } = this.options;
    const counts = new Map<string, number>();
    for (const { keyId, count } of [
      ...(await store.countByKeyId()),
      ...(await store.countHistoryByKeyId()),
      ...((await userStore?.countByKeyId()) ?? []),
    ]) {
      counts.set(keyId, (counts.get(keyId) ?? 0) + count);
    }
    const keys: EncryptionStatus['keys'] = keyring.ids.map(id => ({
      id,
      primary: id === keyring.primary.id,
      configured: true,
      rows: counts.get(id) ?? 0,
      ...(id === keyring.primary.id
        ? {}
        : { removable: (counts.get(id) ?? 0) === 0 }),
    }));
    for (const [id, rows] of counts) {
      if (!keyring.get(id)) {
        keys.push({ id, primary: false, configured: false, rows });
      }
    }
    return {
      primaryKeyId: keyring.primary.id,
      keys,
      rowsUnderOlderKeys: keys
        .filter(key => !key.primary)
        .reduce((sum, key) => sum + key.rows, 0),
    };
  }

  /** One pass over every row not under the primary key. */
  async run(signal?: AbortSignal): Promise<RotationResult> {
    const { keyring, store, logger, batchSize } = this.options;
    const primary = keyring.primary.id;
    const result: RotationResult = {
      reencrypted: 0,
      skipped: 0,
      failed: 0,
      remaining: 0,
    };
    // Shared values, their history, then users' own values (bound to
    // their owner too).
    let afterName: string | undefined;
    await this.#pass(result, signal, async () => {
      const batch = await store.listNotUnderKey({
        keyId: primary,
        afterName,
        limit: batchSize,
      });
      afterName = batch[batch.length - 1]?.name;
      return batch.map(row => ({
        row,
        replace: (encrypted: EncryptedValue) =>
          store.replaceCiphertext(replacementOf(row, encrypted)),
      }));
    });
    // Their history: a key removed while a history row still needs it
    // would make that version impossible to restore.
    let afterVersion: { name: string; version: number } | undefined;
    await this.#pass(result, signal, async () => {
      const batch = await store.listHistoryNotUnderKey({
        keyId: primary,
        after: afterVersion,
        limit: batchSize,
      });
      afterVersion = batch[batch.length - 1];
      return batch.map(row => ({
        row,
        // A reader never gets a history row: nothing to announce.
        announce: false,
        replace: (encrypted: EncryptedValue) =>
          store.replaceHistoryCiphertext(replacementOf(row, encrypted)),
      }));
    });
    const { userStore } = this.options;
    let afterUser: { name: string; userRef: string } | undefined;
    if (userStore) {
      await this.#pass(result, signal, async () => {
        const batch = await userStore.listNotUnderKey({
          keyId: primary,
          after: afterUser,
          limit: batchSize,
        });
        afterUser = batch[batch.length - 1];
        return batch.map(row => ({
          row,
          owner: row.userRef,
          replace: (encrypted: EncryptedValue) =>
            userStore.replaceCiphertext({
              name: row.name,
              userRef: row.userRef,
              version: row.version,
              fromKeyId: row.keyId,
              fromCiphertext: row.ciphertext,
              encrypted,
            }),
        }));
      });
    }
    result.remaining = (await this.status()).rowsUnderOlderKeys;
    if (result.reencrypted > 0 || result.failed > 0) {
      logger.info(
        `Key rotation pass done: ${result.reencrypted} re-encrypted, ${
          result.skipped
        } changed meanwhile, ${result.failed} unreadable, ${
          result.remaining
        } remain under older keys${
          result.remaining === 0
            ? '; keys other than the primary can now be removed from secrets.encryption.keys'
            : ''
        }`,
      );
    }
    return result;
  }

  /**
   * Re-encrypts batch after batch until `next` has none left: each row
   * decrypted (with its owner for a user's value) and written back under
   * the primary key by its compare-and-set `replace`.
   */
  async #pass(
    result: RotationResult,
    signal: AbortSignal | undefined,
    next: () => Promise<
      Array<{
        row: { name: string; version: number } & EncryptedValue;
        owner?: string;
        /** whether readers are told of the change (default: yes) */
        announce?: boolean;
        replace: (encrypted: EncryptedValue) => Promise<boolean>;
      }>
    >,
  ): Promise<void> {
    const { keyring, cipher, logger } = this.options;
    for (;;) {
      if (signal?.aborted) return;
      const batch = await next();
      if (batch.length === 0) return;
      for (const { row, owner, announce, replace } of batch) {
        let plaintext: string;
        try {
          plaintext = cipher.decrypt(row.name, row.version, row, owner);
        } catch (error) {
          if (!(error instanceof SecretDecryptionError)) throw error;
          result.failed += 1;
          logger.error(`Key rotation skipped a row: ${error.message}`);
          continue;
        }
        const replaced = await replace(
          cipher.encrypt(row.name, row.version, plaintext, owner),
        );
        if (replaced) {
          result.reencrypted += 1;
          if (announce === false) continue;
          await this.options.changes?.changed({
            name: row.name,
            scope: owner === undefined ? 'shared' : 'user',
            version: row.version,
          });
        } else result.skipped += 1;
      }
      const { rowsUnderOlderKeys } = await this.status();
      result.remaining = rowsUnderOlderKeys;
      logger.info(
        `Re-encrypted ${result.reencrypted} secret(s) with key '${keyring.primary.id}' so far; ${rowsUnderOlderKeys} remain under older keys`,
      );
      // Give requests a turn between batches: on SQLite every query runs
      // on this thread, and a pass must never starve reads and writes.
      await new Promise(resolve =>
        setTimeout(resolve, this.options.pauseBetweenBatchesMs ?? 10),
      );
    }
  }
}
