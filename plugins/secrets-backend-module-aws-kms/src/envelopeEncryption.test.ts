import {
  BackendFeature,
  coreServices,
  createBackendModule,
  createBackendPlugin,
  createServiceFactory,
  type SchedulerService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  type SecretsService,
  secretsExtensionPoint,
  secretsServiceRef,
} from '@backstage-secrets/plugin-secrets-node';
// The test backend installs the plugin that this module extends.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import secretsPlugin from '@backstage-secrets/plugin-secrets-backend';
import { createDecipheriv, randomBytes } from 'node:crypto';
import type { JsonObject } from '@backstage/types';
import type { Knex } from 'knex';
import request from 'supertest';
import { fakeKms } from './__testUtils__/fakeKms';
import secretsModuleAwsKms from './index';

jest.setTimeout(120_000);

/*
 * The secrets backend with this module installed and AWS KMS faked
 * (fakeKms: Encrypt/Decrypt as KMS documents them), on SQLite and every
 * configured PostgreSQL: envelope encryption end to end.
 */

// The PostgreSQL servers named by BACKSTAGE_TEST_DATABASE_POSTGRES<n>_CONNECTION_STRING
// (no containers: under CI=true TestDatabases would otherwise start them);
// scripts/test.sh requires one under CI (SECRETS_TEST_REQUIRE_POSTGRES=1).
const databases = TestDatabases.create({
  ids: ['SQLITE_3', 'POSTGRES_18', 'POSTGRES_17', 'POSTGRES_16', 'POSTGRES_15'],
  disableDocker: true,
});
if (
  process.env.SECRETS_TEST_REQUIRE_POSTGRES === '1' &&
  !databases.eachSupportedId().some(([id]) => id.startsWith('POSTGRES'))
) {
  throw new Error(
    'PostgreSQL is required (SECRETS_TEST_REQUIRE_POSTGRES=1) but no BACKSTAGE_TEST_DATABASE_POSTGRES<n>_CONNECTION_STRING is set',
  );
}
const ADMIN = mockCredentials.user.header('user:default/alice');
const PLUGIN = mockCredentials.service.header({
  onBehalfOf: mockCredentials.service('plugin:catalog'),
  targetPluginId: 'secrets',
});
const CANARY = 'canary-kms-envelope-7d1e';
const NAMES = ['OPENAI_API_KEY', 'PAGERDUTY_TOKEN'];
const LOCAL_KEY = randomBytes(32).toString('base64url');

/** Every log line and audit event of the test backends, as text. */
const emitted: string[] = [];
const capture = (kind: string) => (message: string, meta?: unknown) =>
  emitted.push(`${kind} ${message} ${JSON.stringify(meta ?? {})}`);
const capturingLogger = createServiceFactory({
  service: coreServices.rootLogger,
  deps: {},
  factory() {
    const logger: any = {
      error: capture('error'),
      warn: capture('warn'),
      info: capture('info'),
      debug: capture('debug'),
      child: () => logger,
    };
    return logger;
  },
});
const capturingAuditor = createServiceFactory({
  service: coreServices.auditor,
  deps: {},
  factory: () => ({
    async createEvent({ request: _request, ...options }: any) {
      const record = (outcome: string) => async (detail: any) => {
        emitted.push(
          `audit ${outcome} ${JSON.stringify({
            ...options,
            ...detail,
            error: detail?.error && String(detail.error.message),
          })}`,
        );
      };
      return { success: record('success'), fail: record('fail') };
    },
  }),
});

/** Every request is allowed: what is under test is encryption. */
const allowAllPermissions = createServiceFactory({
  service: coreServices.permissions,
  deps: {},
  factory: () => ({
    authorize: async (requests: any[]) =>
      requests.map(() => ({ result: 'ALLOW' })) as any,
    authorizeConditional: async (requests: any[]) =>
      requests.map(() => ({ result: 'ALLOW' })) as any,
  }),
});

async function startBackend(
  knex: Knex,
  keyId = 'alias/backstage-secrets',
  encryption: JsonObject = { provider: 'aws-kms' },
): Promise<{
  server: any;
  secrets: SecretsService;
  scheduler: SchedulerService;
  stop: () => Promise<void>;
}> {
  let secrets: SecretsService | undefined;
  let scheduler: SchedulerService | undefined;
  const features: BackendFeature[] = [
    secretsPlugin,
    secretsModuleAwsKms,
    createBackendModule({
      pluginId: 'secrets',
      moduleId: 'test-definitions',
      register(reg) {
        reg.registerInit({
          deps: { registry: secretsExtensionPoint, s: coreServices.scheduler },
          async init({ registry, s }) {
            registry.registerSecrets(...NAMES.map(name => ({ name })));
            scheduler = s;
          },
        });
      },
    }),
    createBackendPlugin({
      pluginId: 'consumer',
      register(env) {
        env.registerInit({
          deps: { service: secretsServiceRef },
          async init({ service }) {
            secrets = service;
          },
        });
      },
    }),
    mockServices.rootConfig.factory({
      data: {
        permission: { enabled: true },
        secrets: {
          encryption: {
            awsKms: { keyId, region: 'eu-west-1' },
            rotation: { frequency: { hours: 24 } },
            ...encryption,
          },
        },
      },
    }),
    mockServices.database.factory({ knex }),
    allowAllPermissions,
    capturingLogger,
    capturingAuditor,
  ];
  const backend = await startTestBackend({ features });
  return {
    server: backend.server,
    secrets: secrets!,
    scheduler: scheduler!,
    stop: () => backend.stop(),
  };
}

describe.each(databases.eachSupportedId())(
  'envelope encryption with AWS KMS on %p',
  databaseId => {
    let kms: ReturnType<typeof fakeKms>;
    let key: { arn: string };
    beforeEach(() => {
      kms = fakeKms({ everyClient: true });
      key = kms.createKey('alias/backstage-secrets');
    });
    afterEach(() => kms.restore());

    const put = (server: any, name: string, value: string) =>
      request(server)
        .put(`/api/secrets/secrets/${name}`)
        .set('Authorization', ADMIN)
        .send({ value });
    const readValue = (server: any, name: string) =>
      request(server)
        .get(`/api/secrets/secrets/${name}/value`)
        .set('Authorization', PLUGIN);

    it('round-trips a value; the row keeps only the wrapped data key and the KMS key ARN', async () => {
      const knex = await databases.init(databaseId);
      const backend = await startBackend(knex);
      expect((await put(backend.server, NAMES[0], CANARY)).status).toBe(200);
      expect(kms.calls.encrypt).toBe(1);
      expect(await backend.secrets.getSecret(NAMES[0])).toBe(CANARY);
      // The writer cached the data key: reading called no KMS.
      expect(kms.calls.decrypt).toBe(0);
      const row = await knex('secrets').where({ name: NAMES[0] }).first();
      expect(row).toMatchObject({
        key_provider: 'aws-kms',
        key_id: key.arn,
        version: expect.anything(),
      });
      const history = await knex('secret_versions').first();
      expect(history).toMatchObject({ key_provider: 'aws-kms' });
      await backend.stop();

      // Another instance (cold cache) unwraps once through KMS.
      const second = await startBackend(knex);
      expect(await second.secrets.getSecret(NAMES[0])).toBe(CANARY);
      expect(await second.secrets.getSecret(NAMES[0])).toBe(CANARY);
      expect(kms.calls.decrypt).toBe(1);
      await second.stop();
    });

    it('the database alone cannot decrypt: no bytes of the row open the value', async () => {
      const knex = await databases.init(databaseId);
      const backend = await startBackend(knex);
      await put(backend.server, NAMES[0], CANARY);
      await backend.stop();
      const row = await knex('secrets').where({ name: NAMES[0] }).first();
      const rowText = JSON.stringify(row);
      expect(rowText).not.toContain(CANARY);
      // Try every 32-byte window of every stored column as the AES key.
      const sealed = Buffer.from(row.ciphertext, 'base64');
      const nonce = sealed.subarray(0, 12);
      const tag = sealed.subarray(sealed.length - 16);
      const body = sealed.subarray(12, sealed.length - 16);
      const candidates = [row.wrapped_key, row.ciphertext, row.key_id]
        .map(column => Buffer.from(String(column), 'base64'))
        .flatMap(bytes =>
          Array.from({ length: Math.max(0, bytes.length - 31) }, (_, i) =>
            bytes.subarray(i, i + 32),
          ),
        );
      expect(candidates.length).toBeGreaterThan(10);
      const opened = candidates.filter(candidate => {
        try {
          const decipher = createDecipheriv('aes-256-gcm', candidate, nonce);
          decipher.setAuthTag(tag);
          decipher.update(body);
          decipher.final();
          return true;
        } catch {
          return false;
        }
      });
      expect(opened).toEqual([]);
      // And without KMS, a new instance cannot read it either.
      kms.setDown(true);
      const cold = await startBackend(knex);
      expect((await readValue(cold.server, NAMES[0])).status).toBe(503);
      await cold.stop();
    });

    it('a row moved to another name fails instead of answering the other value', async () => {
      const knex = await databases.init(databaseId);
      const backend = await startBackend(knex);
      await put(backend.server, NAMES[0], `${CANARY}-a`);
      await put(backend.server, NAMES[1], `${CANARY}-b`);
      const a = await knex('secrets').where({ name: NAMES[0] }).first();
      await knex('secrets').where({ name: NAMES[1] }).update({
        ciphertext: a.ciphertext,
        wrapped_key: a.wrapped_key,
        key_id: a.key_id,
      });
      const res = await readValue(backend.server, NAMES[1]);
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(JSON.stringify(res.body)).not.toContain(CANARY);
      await expect(backend.secrets.getSecret(NAMES[1])).rejects.toThrow();
      // The untouched one still reads.
      expect(await backend.secrets.getSecret(NAMES[0])).toBe(`${CANARY}-a`);
      await backend.stop();
    });

    it('keeps warm reads alive while KMS is down; cold reads answer 503, audited without key material', async () => {
      const knex = await databases.init(databaseId);
      const writer = await startBackend(knex);
      await put(writer.server, NAMES[0], `${CANARY}-warm`);
      await put(writer.server, NAMES[1], `${CANARY}-cold`);
      await writer.stop();
      const backend = await startBackend(knex);
      expect((await readValue(backend.server, NAMES[0])).body.value).toBe(
        `${CANARY}-warm`,
      );
      const decrypts = kms.calls.decrypt;
      kms.setDown(true);
      emitted.length = 0;
      for (let i = 0; i < 3; i++) {
        const warm = await readValue(backend.server, NAMES[0]);
        expect({ status: warm.status, value: warm.body.value }).toEqual({
          status: 200,
          value: `${CANARY}-warm`,
        });
      }
      expect(kms.calls.decrypt).toBe(decrypts);
      const cold = await readValue(backend.server, NAMES[1]);
      expect(cold.status).toBe(503);
      expect(JSON.stringify(cold.body)).not.toContain(CANARY);
      expect(kms.calls.decrypt).toBe(decrypts + 1);
      // A write needs KMS too: refused, nothing stored.
      expect(
        (await put(backend.server, NAMES[0], `${CANARY}-new`)).status,
      ).toBe(503);
      expect(await backend.secrets.getSecret(NAMES[0])).toBe(`${CANARY}-warm`);
      expect(
        emitted.filter(line => line.includes('"eventId":"key-provider"')),
      ).toEqual([
        expect.stringContaining('"actionType":"unwrap"'),
        expect.stringContaining('"actionType":"wrap"'),
      ]);
      const row = await knex('secrets').where({ name: NAMES[1] }).first();
      const text = emitted.join('\n');
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain(row.wrapped_key);
      expect(text).not.toContain(row.ciphertext);
      kms.setDown(false);
      expect((await readValue(backend.server, NAMES[1])).body.value).toBe(
        `${CANARY}-cold`,
      );
      await backend.stop();
    });

    it('re-wraps data keys to a new KMS key on the rotation schedule, values untouched', async () => {
      const knex = await databases.init(databaseId);
      const before = await startBackend(knex);
      await put(before.server, NAMES[0], `${CANARY}-1`);
      await put(before.server, NAMES[0], `${CANARY}-2`);
      await put(before.server, NAMES[1], `${CANARY}-3`);
      await before.stop();
      const ciphertexts = await knex('secrets').select('name', 'ciphertext');

      const next = kms.createKey('alias/next');
      const after = await startBackend(knex, 'alias/next');
      const status = async () =>
        (
          await request(after.server)
            .get('/api/secrets/encryption')
            .set('Authorization', ADMIN)
        ).body;
      // One throwaway wrap learns the new key's ARN.
      expect(await status()).toMatchObject({
        primaryKeyId: `aws-kms:${next.arn}`,
        rowsUnderOlderKeys: 5,
      });
      await after.scheduler.triggerTask('secrets-reencrypt');
      for (let i = 0; i < 100 && (await status()).rowsUnderOlderKeys > 0; i++) {
        await new Promise(resolve => setTimeout(resolve, 100));
      }
      expect(await status()).toMatchObject({ rowsUnderOlderKeys: 0 });
      expect(await knex('secrets').select('name', 'ciphertext')).toEqual(
        ciphertexts,
      );
      // The old key can go: every row unwraps with the new one.
      kms.disable(key.arn);
      const fresh = await startBackend(knex, 'alias/next');
      expect(await fresh.secrets.getSecret(NAMES[0])).toBe(`${CANARY}-2`);
      expect(await fresh.secrets.getSecret(NAMES[1])).toBe(`${CANARY}-3`);
      await after.stop();
      await fresh.stop();
    });

    it('moves rows written before (local, configured keys) to KMS, after which the keys can go', async () => {
      const knex = await databases.init(databaseId);
      const keys = [{ id: 'k1', secret: LOCAL_KEY }];
      const local = await startBackend(knex, undefined, {
        provider: 'local',
        keys,
      });
      await put(local.server, NAMES[0], `${CANARY}-local`);
      await local.stop();
      expect(await knex('secrets').first()).toMatchObject({
        key_id: 'k1',
        key_provider: null,
        wrapped_key: null,
      });
      expect(kms.calls.encrypt).toBe(0);

      // Switched: the old row still reads (with the keys), then moves.
      const switched = await startBackend(knex, undefined, {
        provider: 'aws-kms',
        keys,
      });
      expect(await switched.secrets.getSecret(NAMES[0])).toBe(
        `${CANARY}-local`,
      );
      await switched.scheduler.triggerTask('secrets-reencrypt');
      for (
        let i = 0;
        i < 100 && (await knex('secrets').whereNull('wrapped_key').first());
        i++
      ) {
        await new Promise(resolve => setTimeout(resolve, 100));
      }
      await switched.stop();
      expect(await knex('secrets').first()).toMatchObject({
        key_id: key.arn,
        key_provider: 'aws-kms',
      });
      expect(await knex('secret_versions').first()).toMatchObject({
        key_provider: 'aws-kms',
      });
      const kmsOnly = await startBackend(knex);
      expect(await kmsOnly.secrets.getSecret(NAMES[0])).toBe(`${CANARY}-local`);
      await kmsOnly.stop();
    });

    it('refuses to start with an unknown provider, naming the installed ones', async () => {
      const knex = await databases.init(databaseId);
      await expect(
        startBackend(knex, undefined, { provider: 'vault-transit' }),
      ).rejects.toThrow(
        /secrets.encryption.provider is 'vault-transit', but no installed key provider has that id \(installed: 'local', 'aws-kms'\)/,
      );
    });
  },
);

// No value in any log line or audit event of any backend of the file.
afterAll(() => {
  const leaks = emitted.filter(line => line.includes(CANARY));
  if (leaks.length > 0) {
    throw new Error(
      `Values leaked into logs or audit events:\n${leaks.join('\n')}`,
    );
  }
});
