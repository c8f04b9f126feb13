import type { LoggerService } from '@backstage/backend-plugin-api';
import type { EncryptionStatus } from '@backstage-secrets/plugin-secrets-common';
import {
  type EncryptedValue,
  EnvelopeCipher,
  type Keyring,
  LOCAL_PROVIDER_ID,
  SecretDecryptionError,
  type ValueCipher,
  type ValueOwner,
} from '../crypto';
import type {
  CiphertextReplacement,
  KeyCount,
  NotUnderKeyPage,
  SecretsStore,
  UserSecretsStore,
} from '../database';
import type { SecretChangeEvents } from '../events';

/** Rows of a batch whose data keys are re-wrapped at once (provider round trips). */
const REWRAP_CONCURRENCY = 8;

/** What one re-encryption pass did, and how many rows are left. */
export interface ReencryptionResult {
  reencrypted: number;
  /** changed by a writer meanwhile (already under the primary key) */
  skipped: number;
  /** cannot be decrypted: left as they are, reported in the list */
  failed: number;
  remaining: number;
}

/** A row of a re-wrap work list: what decrypting it needs. */
type ReencryptableRow = { name: string; version: number } & EncryptedValue;

/** How one row is re-encrypted and written back. */
interface RowWork {
  /** the user or entity a value is bound to */
  owner?: ValueOwner;
  /** whether readers are told of the change (default: yes) */
  announce?: boolean;
  /** compare-and-set write of the new ciphertext; false when the row changed */
  replace: (encrypted: EncryptedValue) => Promise<boolean>;
}

/** What the pass needs of the store of entities' own values. */
export interface EntityValueRows {
  countByKeyId(): Promise<KeyCount[]>;
  listNotUnderKey(
    page: NotUnderKeyPage<{ name: string; entityRef: string }>,
  ): Promise<Array<ReencryptableRow & { entityRef: string }>>;
  replaceCiphertext(
    replacement: CiphertextReplacement & { entityRef: string },
  ): Promise<boolean>;
}

/** The replacement of a row as it was read by the new ciphertext. */
function replacementOf(
  row: ReencryptableRow,
  encrypted: EncryptedValue,
): CiphertextReplacement {
  return {
    name: row.name,
    version: row.version,
    fromKeyId: row.keyId,
    fromCiphertext: row.ciphertext,
    ...(row.wrappedKey ? { fromWrappedKey: row.wrappedKey } : {}),
    encrypted,
  };
}

/** How a key is shown in the status: a configured key by its id, a provider's key as `provider:keyId`. */
function displayId(count: { provider?: string; keyId: string }): string {
  return !count.provider || count.provider === LOCAL_PROVIDER_ID
    ? count.keyId
    : `${count.provider}:${count.keyId}`;
}

/**
 * The re-wrap pass, the second half of a key rotation or a change of key
 * provider: operators put a new primary key first in
 * `secrets.encryption.keys`, or point `secrets.encryption.provider` (or the
 * provider's key) elsewhere, and this moves every row to the current
 * provider's key. Only data keys are re-wrapped: values stay as they are
 * (rows written before envelope encryption get a data key, so their value
 * is encrypted anew). In small batches of independent compare-and-set
 * updates: no long transaction, no lock held across rows, so reads and
 * writes go on, and a write that lands between the read and the update of
 * a row wins (the update is skipped). Resumable: a pass that stops (key
 * provider down, shutdown) leaves every row readable, and the next one
 * goes on. Also reports which keys are still in use.
 */
export class KeyReencryption {
  readonly #cipher: EnvelopeCipher;

  constructor(
    private readonly options: {
      /** secrets.encryption.keys (absent when another provider is used without them) */
      keyring?: Keyring;
      /** the envelope cipher; a plain cipher means the `local` provider over `keyring` */
      cipher: EnvelopeCipher | ValueCipher;
      store: SecretsStore;
      /** users' own values, rotated after the shared ones */
      userStore?: UserSecretsStore;
      /** entities' own values (src/entitySecrets), rotated last */
      entityStore?: EntityValueRows;
      logger: LoggerService;
      /** each re-encrypted row is a change event, like any other write */
      changes?: SecretChangeEvents;
      batchSize: number;
      pauseBetweenBatchesMs?: number;
    },
  ) {
    const { cipher, keyring } = options;
    if (cipher instanceof EnvelopeCipher) this.#cipher = cipher;
    else if (keyring) this.#cipher = EnvelopeCipher.local(keyring);
    else
      throw new TypeError(
        'KeyReencryption needs a keyring or an EnvelopeCipher',
      );
  }

  async status(): Promise<EncryptionStatus> {
    const { keyring, store, userStore, entityStore } = this.options;
    const cipher = this.#cipher;
    const counted: KeyCount[] = [
      ...(await store.countByKeyId()),
      ...(await store.countHistoryByKeyId()),
      ...((await userStore?.countByKeyId()) ?? []),
      ...((await entityStore?.countByKeyId()) ?? []),
    ];
    // The target of the pass; unknown while the provider cannot say.
    const current = await cipher.currentKey().catch(() => undefined);
    const currentId = current && displayId(current);
    const counts = new Map<string, number>();
    let underCurrent = 0;
    let total = 0;
    for (const count of counted) {
      const id = displayId(count);
      counts.set(id, (counts.get(id) ?? 0) + count.count);
      total += count.count;
      // `local` encrypts values directly: its rows have no provider.
      const provider = count.provider ?? LOCAL_PROVIDER_ID;
      const direct = current?.provider === LOCAL_PROVIDER_ID;
      if (
        provider === current?.provider &&
        count.keyId === current.keyId &&
        (count.provider === undefined) === direct
      ) {
        underCurrent += count.count;
      }
    }
    const keys: EncryptionStatus['keys'] = (keyring?.ids ?? []).map(id => ({
      id,
      primary: id === currentId,
      configured: true,
      rows: counts.get(id) ?? 0,
      ...(id === currentId ? {} : { removable: (counts.get(id) ?? 0) === 0 }),
    }));
    if (currentId && !keyring?.get(currentId)) {
      keys.unshift({
        id: currentId,
        primary: true,
        configured: true,
        rows: counts.get(currentId) ?? 0,
      });
    }
    for (const count of counted) {
      const id = displayId(count);
      if (keys.some(key => key.id === id)) continue;
      keys.push({
        id,
        primary: false,
        configured: cipher.canDecryptWith(count),
        rows: counts.get(id) ?? 0,
      });
    }
    return {
      primaryKeyId: currentId ?? '',
      keys,
      rowsUnderOlderKeys: total - underCurrent,
    };
  }

  /** One pass over every row not under the primary key. */
  async run(signal?: AbortSignal): Promise<ReencryptionResult> {
    const { store, userStore, entityStore, logger } = this.options;
    const result: ReencryptionResult = {
      reencrypted: 0,
      skipped: 0,
      failed: 0,
      remaining: 0,
    };
    // Shared values, their history, then users' own values (bound to
    // their owner too).
    await this.#pass(
      result,
      signal,
      store.listNotUnderKey.bind(store),
      row => ({
        replace: encrypted =>
          store.replaceCiphertext(replacementOf(row, encrypted)),
      }),
    );
    // Their history: a key removed while a history row still needs it
    // would make that version impossible to restore.
    await this.#pass(
      result,
      signal,
      store.listHistoryNotUnderKey.bind(store),
      row => ({
        // A reader never gets a history row: nothing to announce.
        announce: false,
        replace: encrypted =>
          store.replaceHistoryCiphertext(replacementOf(row, encrypted)),
      }),
    );
    if (userStore) {
      await this.#pass(
        result,
        signal,
        userStore.listNotUnderKey.bind(userStore),
        row => ({
          owner: row.userRef,
          replace: encrypted =>
            userStore.replaceCiphertext({
              ...replacementOf(row, encrypted),
              userRef: row.userRef,
            }),
        }),
      );
    }
    if (entityStore) {
      await this.#pass(
        result,
        signal,
        entityStore.listNotUnderKey.bind(entityStore),
        row => ({
          owner: { entityRef: row.entityRef },
          replace: encrypted =>
            entityStore.replaceCiphertext({
              ...replacementOf(row, encrypted),
              entityRef: row.entityRef,
            }),
        }),
      );
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
   * Re-encrypts page after page of a work list until it has none left
   * (each page starts after the last row of the one before): each row
   * decrypted (with its owner for a user's value) and written back under
   * the primary key by its compare-and-set `replace`.
   */
  async #pass<Row extends ReencryptableRow>(
    result: ReencryptionResult,
    signal: AbortSignal | undefined,
    list: (page: NotUnderKeyPage<Row>) => Promise<Row[]>,
    workOf: (row: Row) => RowWork,
  ): Promise<void> {
    const { logger, batchSize } = this.options;
    const cipher = this.#cipher;
    // Fails (and the pass with it) while the provider is unavailable.
    const target = await cipher.currentKey();
    let after: Row | undefined;
    for (;;) {
      if (signal?.aborted) return;
      const batch = await list({ ...target, after, limit: batchSize });
      if (batch.length === 0) return;
      after = batch[batch.length - 1];
      // The provider calls of a batch run a few at a time (each is a
      // network round trip with a KMS); the writes stay one by one.
      const rewrapped: Array<EncryptedValue | undefined> = [];
      for (let i = 0; i < batch.length; i += REWRAP_CONCURRENCY) {
        const chunk = batch.slice(i, i + REWRAP_CONCURRENCY);
        rewrapped.push(
          ...(await Promise.all(
            chunk.map(row =>
              // Only the data key moves; a row without one gets one. An
              // unavailable provider stops the pass.
              cipher
                .rewrap(row.name, row.version, row, workOf(row).owner)
                .catch(error => {
                  if (!(error instanceof SecretDecryptionError)) throw error;
                  result.failed += 1;
                  logger.error(`Key rotation skipped a row: ${error.message}`);
                  return undefined;
                }),
            ),
          )),
        );
      }
      for (const [index, row] of batch.entries()) {
        const encrypted = rewrapped[index];
        if (!encrypted) continue;
        const { owner, announce, replace } = workOf(row);
        const replaced = await replace(encrypted);
        if (replaced) {
          result.reencrypted += 1;
          if (announce === false) continue;
          await this.options.changes?.changed({
            name: row.name,
            scope: scopeOfOwner(owner),
            version: row.version,
            ...(owner !== undefined && typeof owner !== 'string'
              ? { entityRef: owner.entityRef }
              : {}),
          });
        } else result.skipped += 1;
      }
      const { rowsUnderOlderKeys } = await this.status();
      result.remaining = rowsUnderOlderKeys;
      logger.info(
        `Re-encrypted ${result.reencrypted} secret(s) with key '${displayId(
          target,
        )}' so far; ${rowsUnderOlderKeys} remain under older keys`,
      );
      // Give requests a turn between batches: on SQLite every query runs
      // on this thread, and a pass must never starve reads and writes.
      await new Promise(resolve =>
        setTimeout(resolve, this.options.pauseBetweenBatchesMs ?? 10),
      );
    }
  }
}

function scopeOfOwner(owner?: ValueOwner): 'shared' | 'user' | 'entity' {
  if (owner === undefined) return 'shared';
  return typeof owner === 'string' ? 'user' : 'entity';
}
