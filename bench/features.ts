// The benchmark backend's own features: a `secrets` module that registers
// the N definitions and hands over the plugin's knex client (with a counter
// of its queries), and a consumer plugin, `bench-consumer`, with the real
// `secretsServiceRef` and root config, the trivial route that is the HTTP
// floor of a cold read, and `POST /run/:command`, by which scripts/bench.mjs
// runs bench/worker.ts's cases (unauthenticated: it listens on 127.0.0.1).
import {
  coreServices,
  createBackendModule,
  createBackendPlugin,
  DiscoveryService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { randomBytes } from 'node:crypto';
import {
  DefaultSecretsClient,
  secretsExtensionPoint,
  secretsKeyProvidersExtensionPoint as keyProviders,
  SecretsService,
  secretsServiceRef,
} from '@backstage-secrets/plugin-secrets-node';
import express from 'express';
import Router from 'express-promise-router';
import type { Knex } from 'knex';

const isLastUsedUpdate = (sql: string) =>
  /^\s*update/i.test(sql) && /last_used_at/i.test(sql);
/** Last-used flushes and the key-rotation task (its count per key, scan). */
const isBackground = (sql: string) =>
  isLastUsedUpdate(sql) ||
  /not\s+["`]?key_id["`]?\s*=|["`]?key_id["`]?\s*(<>|!=)/i.test(sql) ||
  /group\s+by\s+["`]?key_(id|provider)/i.test(sql);

/** Statements seen by the secrets plugin's knex client. */
export class QueryCounter {
  /** statements on the `secrets` table: all, and background ones */
  secretsTable = 0;
  background = 0;
  /** last-used UPDATE statements per secret name (from the bindings) */
  lastUsedByName = new Map<string, number>();
  /** hrtime of the first last-used UPDATE sent and the last one answered */
  lastUsedFirstNs?: bigint;
  lastUsedLastEndNs?: bigint;

  /** Statements on the secrets table issued by `request` itself. */
  async perRequest(request: () => Promise<unknown>) {
    const [table, background] = [this.secretsTable, this.background];
    await request();
    return this.secretsTable - table - (this.background - background);
  }
  onQuery(data: { sql?: string; bindings?: unknown[] }) {
    const sql = String(data?.sql ?? '');
    if (!/(from|update|into)\s+["`]?secrets["`]?(\s|$)/i.test(sql)) return;
    this.secretsTable += 1;
    if (isBackground(sql)) this.background += 1;
    if (!isLastUsedUpdate(sql)) return;
    this.lastUsedFirstNs ??= process.hrtime.bigint();
    for (const b of data.bindings ?? []) {
      if (typeof b === 'string' && /^BENCH_SECRET_\d+$/.test(b)) {
        this.lastUsedByName.set(b, (this.lastUsedByName.get(b) ?? 0) + 1);
      }
    }
  }
}
/** What the benchmark gets hold of once the backend has started. */
export const handles = {
  queries: new QueryCounter(),
  /** the secrets plugin's own knex client */
  secretsKnex: undefined as unknown as Knex,
  /** the consumer's `secretsServiceRef` instance (default factory) */
  secrets: undefined as unknown as SecretsService,
  /** a second client built the same way, with the cache off (cold reads) */
  uncachedSecrets: undefined as unknown as SecretsService,
  config: undefined as unknown as RootConfigService,
  discovery: undefined as unknown as DiscoveryService,
  /** what POST /run/:command runs (set by bench/worker.ts) */
  commands: {} as Record<string, (args: any) => Promise<unknown>>,
};
export const BENCH_ENTITY_SECRET = 'BENCH_ENTITY_SECRET';
/** Registers secrets named `names`; captures the plugin's knex. */
export const benchDefinitionsModule = (names: string[], entity = false) =>
  createBackendModule({
    pluginId: 'secrets',
    moduleId: 'bench-definitions',
    register(reg) {
      reg.registerInit({
        deps: { secrets: secretsExtensionPoint, db: coreServices.database },
        async init({ secrets, db }) {
          const definitions = names.map(name => ({
            name,
            description: `Benchmark secret ${name}`,
            obtainUrl: 'https://example.com/bench',
            obtainLabel: 'Benchmark',
          }));
          if (names.length > 0) secrets.registerSecrets(...definitions);
          if (entity) {
            const scope = 'entity' as const; // case 11: one value per component
            secrets.registerSecrets({ name: BENCH_ENTITY_SECRET, scope });
          }
          const knex = await db.getClient();
          knex.on('query', data => handles.queries.onQuery(data));
          knex.on('query-response', (_: unknown, data: { sql?: string }) => {
            if (isLastUsedUpdate(String(data?.sql ?? ''))) {
              handles.queries.lastUsedLastEndNs = process.hrtime.bigint();
            }
          });
          handles.secretsKnex = knex;
        },
      });
    },
  });
/** The consumer plugin: a backend plugin that reads secrets. */
export const benchConsumerPlugin = createBackendPlugin({
  pluginId: 'bench-consumer',
  register(env) {
    env.registerInit({
      deps: {
        secrets: secretsServiceRef,
        config: coreServices.rootConfig,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        httpRouter: coreServices.httpRouter,
      },
      async init({ secrets, config, auth, discovery, httpRouter }) {
        // Built as the service's default factory builds its client, with the
        // cache off: every read is HTTP + database + decrypt.
        const uncachedSecrets = new DefaultSecretsClient({
          ...{ auth, discovery, cacheTtlMs: 0 },
        });
        Object.assign(handles, { secrets, config, discovery, uncachedSecrets });
        // The floor of the HTTP part of a read: the same backend, the same
        // httpRouter middleware, no token, no work.
        const router = Router();
        router.get('/ping', (_req, res) => {
          res.json({ value: 'bench-value-ping' });
        });
        router.post('/run/:command', express.json(), async (req, res) => {
          try {
            const run = handles.commands[req.params.command];
            res.json({ result: await run(req.body) });
          } catch (error) {
            res.status(500).json({ error: String((error as Error).stack) });
          }
        });
        httpRouter.use(router);
        for (const path of ['/ping', '/run']) {
          httpRouter.addAuthPolicy({ path, allow: 'unauthenticated' });
        }
      },
    });
  },
});
/** Key provider `bench-kms`, 2 ms away; its 184-byte blobs end with the key. */
const away = <T>(t: T) => new Promise<T>(r => setTimeout(r, 2, t));
const blob = (key: Buffer) => Buffer.concat([randomBytes(152), key]);
export const benchKmsModule = createBackendModule({
  pluginId: 'secrets',
  moduleId: 'bench-kms',
  register: reg =>
    reg.registerInit({
      deps: { kms: keyProviders },
      init: async ({ kms }) =>
        kms.addKeyProvider({
          id: 'bench-kms',
          wrapKey: k => away({ keyId: 'bench-key', wrappedKey: blob(k) }),
          unwrapKey: wrapped => away(Buffer.from(wrapped.subarray(-32))),
        }),
    }),
});
