/*
 * Stores values for half of the synthetic secrets of the perf backend of
 * scripts/e2e.mjs, "updated" by 50 catalog users, in its SQLite database
 * before it starts. Environment: E2E_SEED_DIRECTORY (its database directory),
 * E2E_SEED_COUNT (demo.syntheticSecrets.count), E2E_SEED_USERS (user entity
 * refs, comma-separated), E2E_SEED_KEY_ID / E2E_SEED_KEY (the run's key).
 *
 * Why seed, and not PUT through the API: the API records `updatedBy` from
 * the caller's credentials, and a demo backend signs in exactly one user
 * (the guest provider's userEntityRef). Getting tokens for 50 users would
 * mean a sign-in resolver or token issuer that exists for the test only,
 * i.e. test code in the auth path. Instead this script writes through the
 * plugin's own code, the same path a PUT takes after authorisation:
 * `SharedValueWrites.set` (validation, AES-256-GCM through `SecretCipher` and
 * `Keyring`, compare-and-set versions in `DatabaseSecretsStore`), on a database
 * migrated by the plugin's own `DatabaseSecretsStore.migrate`. Nothing is re-implemented,
 * so the backend then reads these rows exactly like rows it wrote itself (it
 * refuses to start if a row is under a key it does not have).
 */
import { join } from 'node:path';
import { ConfigReader } from '@backstage/config';
import type { LoggerService } from '@backstage/backend-plugin-api';
import knexFactory from 'knex';
import { SecretsConfig } from '../../../plugins/secrets-backend/src/config';
import {
  Keyring,
  SecretCipher,
} from '../../../plugins/secrets-backend/src/crypto';
import { DatabaseSecretsStore } from '../../../plugins/secrets-backend/src/database';
import { SecretsRegistry } from '../../../plugins/secrets-backend/src/registry';
import {
  createSharedSecrets,
  LastUsedTracker,
} from '../../../plugins/secrets-backend/src/values';
import { syntheticSecretDefinitions } from '../../backend/src/modules/syntheticSecrets';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}

const logger: LoggerService = {
  error: message => console.error(message),
  warn: message => console.error(message),
  info: () => {},
  debug: () => {},
  child: () => logger,
};

async function main() {
  const directory = required('E2E_SEED_DIRECTORY');
  const count = Number(required('E2E_SEED_COUNT'));
  const users = required('E2E_SEED_USERS').split(',');
  const keyring = Keyring.fromSecrets([
    { id: required('E2E_SEED_KEY_ID'), secret: required('E2E_SEED_KEY') },
  ]);

  // The file the backend's SQLite connector opens for the `secrets` plugin
  // (`<connection.directory>/<pluginId>.sqlite`).
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: join(directory, 'secrets.sqlite') },
    useNullAsDefault: true,
  });
  try {
    await DatabaseSecretsStore.migrate(knex);
    // One transaction: 500 separate commits would each wait for the disk.
    await knex.transaction(async trx => seed(new DatabaseSecretsStore(trx)));
  } finally {
    await knex.destroy();
  }

  async function seed(store: DatabaseSecretsStore) {
    const registry = new SecretsRegistry();
    const definitions = syntheticSecretDefinitions(count);
    registry.register('packages/app/e2e-tests/seedPerfSecrets.ts', definitions);
    registry.close();
    const { writes } = createSharedSecrets({
      // No pins: no secrets.values, no BACKSTAGE_SECRETS_* variables.
      config: new SecretsConfig(new ConfigReader({})),
      env: {},
      registry,
      store,
      cipher: new SecretCipher(keyring),
      tracker: new LastUsedTracker(store, logger),
      logger,
    });

    // Every other secret gets a value; the one who set it cycles through the
    // users, so any 100 consecutive stored secrets name all 50 of them. Every
    // third one is set by someone else first and then replaced (version 2),
    // so that creator and last updater differ as they do in real use.
    let stored = 0;
    for (let index = 0; index < definitions.length; index += 2) {
      const { name, format } = definitions[index];
      const updater = users[stored % users.length];
      const value = (version: number) =>
        format === 'json'
          ? JSON.stringify({ synthetic: name, version })
          : `synthetic-${name}-v${version}`;
      if (stored % 3 === 0) {
        await writes.set({
          name,
          value: value(1),
          expectedVersion: 0,
          actor: users[(stored + 1) % users.length],
        });
        await writes.set({
          name,
          value: value(2),
          expectedVersion: 1,
          actor: updater,
        });
      } else {
        await writes.set({
          name,
          value: value(1),
          expectedVersion: 0,
          actor: updater,
        });
      }
      stored += 1;
    }
    console.log(
      JSON.stringify({
        registered: definitions.length,
        stored,
        users: users.length,
      }),
    );
  }
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
