/*
 * Stores benchmark values directly in the secrets plugin's table, through
 * the plugin's own store and cipher classes (same envelope, same key, same
 * row format as a PUT), in one transaction: storing 5,000 rows through the
 * REST API would take most of the time budget of the whole benchmark. The
 * values are obvious benchmark values (`bench-value-000123`).
 */
import type { Knex } from 'knex';
import { Keyring } from '@backstage-secrets/plugin-secrets-backend/src/crypto/Keyring';
import { SecretCipher } from '@backstage-secrets/plugin-secrets-backend/src/crypto/SecretCipher';
import { DatabaseSecretsStore } from '@backstage-secrets/plugin-secrets-backend/src/database/DatabaseSecretsStore';

export const SEED_ACTOR = 'user:default/bench-seed';

export function benchValue(index: number, round = 0): string {
  const n = String(index).padStart(6, '0');
  return round === 0 ? `bench-value-${n}` : `bench-value-${n}-r${round}`;
}

/** Stores a value for each of the given names (which must not be stored yet). */
export async function seedValues(options: {
  knex: Knex;
  keyId: string;
  keySecret: string;
  names: string[];
}): Promise<void> {
  const cipher = new SecretCipher(
    Keyring.fromSecrets([{ id: options.keyId, secret: options.keySecret }]),
  );
  const now = new Date().toISOString();
  const chunk = 500;
  for (let start = 0; start < options.names.length; start += chunk) {
    await options.knex.transaction(async trx => {
      const store = new DatabaseSecretsStore(trx as unknown as Knex);
      for (const name of options.names.slice(start, start + chunk)) {
        const index = Number(name.slice(name.lastIndexOf('_') + 1));
        const result = await store.compareAndSet({
          name,
          previous: undefined,
          version: 1,
          encrypted: cipher.encrypt(name, 1, benchValue(index)),
          actor: SEED_ACTOR,
          now,
        });
        if (!result.ok) {
          throw new Error(`seeding ${name}: already stored`);
        }
      }
    });
  }
}
