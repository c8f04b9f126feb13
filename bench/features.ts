/*
 * The backend features of the benchmark backend, besides the real plugins:
 *
 * - a `secrets` module that registers the benchmark's N secret definitions
 *   and hands the benchmark the secrets plugin's own knex client (modules
 *   share their plugin's database service), with a counter of the queries
 *   it runs;
 * - a tiny consumer plugin, `bench-consumer`, that receives the real
 *   `secretsServiceRef` instance (the default `DefaultSecretsClient`) and the
 *   real root config, and serves the trivial unauthenticated route that is
 *   the HTTP floor of a cold read;
 * - a permission policy: `manage-secrets` for members of group:default/admins
 *   (as the demo app's policy), everything else allowed.
 */
import {
  AuthService,
  coreServices,
  createBackendModule,
  createBackendPlugin,
  DiscoveryService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import {
  DefaultSecretsClient,
  SecretDefinition,
  secretsExtensionPoint,
  SecretsService,
  secretsServiceRef,
} from '@backstage-secrets/plugin-secrets-node';
import Router from 'express-promise-router';
import type { Knex } from 'knex';

/** One statement seen by the secrets plugin's knex client. */
export interface QueryCounter {
  total: number;
  /** statements that touch the `secrets` table */
  secretsTable: number;
  /** UPDATE statements that write last-used columns */
  lastUsedUpdates: number;
  /** SELECT statements on the `secrets` table */
  secretsSelects: number;
  /**
   * statements on the `secrets` table that no request issues: last-used
   * flushes and the key-rotation task (its count per key and its scan of
   * rows under other keys)
   */
  background: number;
  /** the latest statements on the `secrets` table (for diagnostics) */
  recent: string[];
  /** last-used UPDATE statements per secret name (from the bindings) */
  lastUsedByName: Map<string, number>;
  /** hrtime (ns) of the first last-used UPDATE sent and the last one answered */
  lastUsedFirstNs?: bigint;
  lastUsedLastEndNs?: bigint;
  reset(): void;
}

/** What the benchmark driver gets hold of once the backend has started. */
export interface BenchHandles {
  /** The secrets plugin's own knex client. */
  secretsKnex?: Knex;
  queries: QueryCounter;
  /** The consumer's `secretsServiceRef` instance (default factory, default cache). */
  secrets?: SecretsService;
  /** A second client built the same way, with the cache disabled (cold reads). */
  uncachedSecrets?: SecretsService;
  /** The real root config service. */
  config?: RootConfigService;
  auth?: AuthService;
  discovery?: DiscoveryService;
}

function createQueryCounter(): QueryCounter {
  const counter: QueryCounter = {
    total: 0,
    secretsTable: 0,
    lastUsedUpdates: 0,
    secretsSelects: 0,
    background: 0,
    recent: [],
    lastUsedByName: new Map(),
    reset() {
      counter.lastUsedByName.clear();
      counter.lastUsedFirstNs = undefined;
      counter.lastUsedLastEndNs = undefined;
      counter.total = 0;
      counter.secretsTable = 0;
      counter.lastUsedUpdates = 0;
      counter.secretsSelects = 0;
      counter.background = 0;
    },
  };
  return counter;
}

export const handles: BenchHandles = { queries: createQueryCounter() };

const SECRETS_TABLE = /(from|update|into)\s+["`]?secrets["`]?(\s|$)/i;

function countQuery(data: { sql?: string; bindings?: unknown[] }) {
  const sql = String(data?.sql ?? '');
  const q = handles.queries;
  q.total += 1;
  if (SECRETS_TABLE.test(sql)) {
    q.secretsTable += 1;
    q.recent.push(sql.slice(0, 160));
    if (q.recent.length > 20) q.recent.shift();
    if (/^\s*update/i.test(sql) && /last_used_at/i.test(sql)) {
      q.lastUsedUpdates += 1;
      q.lastUsedFirstNs ??= process.hrtime.bigint();
      for (const binding of data.bindings ?? []) {
        if (typeof binding === 'string' && /^BENCH_SECRET_\d+$/.test(binding)) {
          q.lastUsedByName.set(
            binding,
            (q.lastUsedByName.get(binding) ?? 0) + 1,
          );
        }
      }
    }
    if (/^\s*select/i.test(sql)) q.secretsSelects += 1;
    if (
      (/^\s*update/i.test(sql) && /last_used_at/i.test(sql)) ||
      /not\s+["`]?key_id["`]?\s*=|["`]?key_id["`]?\s*(<>|!=)/i.test(sql) ||
      /group\s+by\s+["`]?key_id/i.test(sql)
    ) {
      q.background += 1;
    }
  }
}

/** Registers the N benchmark definitions; captures the plugin's knex. */
export function benchDefinitionsModule(definitions: SecretDefinition[]) {
  return createBackendModule({
    pluginId: 'secrets',
    moduleId: 'bench-definitions',
    register(reg) {
      reg.registerInit({
        deps: {
          secrets: secretsExtensionPoint,
          database: coreServices.database,
        },
        async init({ secrets, database }) {
          if (definitions.length > 0) secrets.registerSecrets(...definitions);
          const knex = await database.getClient();
          knex.on('query', countQuery);
          knex.on(
            'query-response',
            (_response: unknown, data: { sql?: string }) => {
              const sql = String(data?.sql ?? '');
              if (/^\s*update/i.test(sql) && /last_used_at/i.test(sql)) {
                handles.queries.lastUsedLastEndNs = process.hrtime.bigint();
              }
            },
          );
          handles.secretsKnex = knex;
        },
      });
    },
  });
}

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
        handles.secrets = secrets;
        // Built exactly as the service's default factory builds it, with
        // the cache off: every read is HTTP + database + decrypt.
        handles.uncachedSecrets = new DefaultSecretsClient({
          auth,
          discovery,
          cacheTtlMs: 0,
        });
        handles.config = config;
        handles.auth = auth;
        handles.discovery = discovery;
        const router = Router();
        // The floor of the HTTP part of a read: the same backend, the same
        // httpRouter middleware, no token, no work.
        router.get('/ping', (_req, res) => {
          res.json({ value: 'bench-value-ping' });
        });
        httpRouter.use(router);
        httpRouter.addAuthPolicy({ path: '/ping', allow: 'unauthenticated' });
      },
    });
  },
});

/**
 * The demo app's real policy (manage-secrets for group:default/admins only),
 * so that the benchmark measures the permission check adopters run.
 */
export { permissionModuleDemoPolicy as benchPermissionPolicyModule } from '../packages/backend/src/modules/permissionPolicy';
