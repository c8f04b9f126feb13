import {
  BackstageCredentials,
  BackstageUserPrincipal,
  coreServices,
  createBackendModule,
  createServiceFactory,
  BackendFeature,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { Entity } from '@backstage/catalog-model';
import type { JsonObject } from '@backstage/types';
import type { Knex } from 'knex';
import {
  SecretDefinition,
  secretsExtensionPoint,
} from '@backstage-secrets/plugin-secrets-node';
import { secretsPlugin } from '../plugin';
import { generateEncryptionKey } from '../crypto';
import { LogCapture } from './capturingLogger';

export const ADMIN = 'user:default/alice';
export const NON_ADMIN = 'user:default/bob';
export const TEST_KEY = generateEncryptionKey();
/** A component that NON_ADMIN (Bob) owns: he may manage its secrets. */
export const BOBS_COMPONENT = 'component:default/bobs-service';
/** A component of another team: Bob may see it, not manage its secrets. */
export const OTHER_COMPONENT = 'component:default/other-service';

/** A catalog entity for the test catalog (catalogServiceMock). */
export function testEntity(ref: string, owner?: string): Entity {
  const [kind, rest] = ref.split(':');
  const [namespace, name] = rest.split('/');
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: kind[0].toUpperCase() + kind.slice(1),
    metadata: { name, namespace },
    spec: owner ? { owner } : {},
  };
}

/**
 * The permission policy of the tests: manage-secrets for ADMIN only, and
 * secrets.entity.manage for ADMIN and for NON_ADMIN on BOBS_COMPONENT (as
 * a policy with the catalog's isEntityOwner would answer). The policy is
 * outside the plugin under test; the plugin's own call to
 * `permissions.authorize` with the caller's credentials is real.
 */
export const adminOnlyPermissions = createServiceFactory({
  service: coreServices.permissions,
  deps: {},
  factory: () => ({
    async authorize(requests: any[], options: any) {
      const principal = options?.credentials?.principal;
      const isUser = principal?.type === 'user';
      const allowed = isUser && principal.userEntityRef === ADMIN;
      return requests.map(request => ({
        result:
          allowed ||
          (isUser &&
            request.permission?.name === 'secrets.entity.manage' &&
            principal.userEntityRef === NON_ADMIN &&
            request.resourceRef === BOBS_COMPONENT)
            ? AuthorizeResult.ALLOW
            : AuthorizeResult.DENY,
      })) as any;
    },
    async authorizeConditional(requests: any[]) {
      return requests.map(() => ({ result: AuthorizeResult.DENY })) as any;
    },
  }),
});

/** A secrets module that registers the given definitions. */
export function registeringModule(
  moduleId: string,
  definitions: SecretDefinition[],
): BackendFeature {
  return createBackendModule({
    pluginId: 'secrets',
    moduleId,
    register(reg) {
      reg.registerInit({
        deps: { secrets: secretsExtensionPoint },
        async init({ secrets }) {
          secrets.registerSecrets(...definitions);
        },
      });
    },
  });
}

export const DEFAULT_DEFINITIONS: SecretDefinition[] = [
  {
    name: 'OPENAI_API_KEY',
    description: 'Calls **OpenAI**',
    obtainUrl: 'https://platform.openai.com/api-keys',
    obtainLabel: 'Get an OpenAI API key',
  },
  { name: 'SERVICE_ACCOUNT_JSON', format: 'json' },
  { name: 'PAGERDUTY_TOKEN' },
];

export async function startSecretsBackend(options: {
  knex?: Knex;
  config?: JsonObject;
  definitions?: SecretDefinition[];
  features?: BackendFeature[];
  logs?: LogCapture;
  /** the catalog's entities (catalogServiceMock); default: Bob's and another team's component */
  entities?: Entity[];
}) {
  const logs = options.logs ?? new LogCapture();
  const config: JsonObject = {
    permission: { enabled: true },
    secrets: {
      encryption: { keys: [{ id: 'test', secret: TEST_KEY }] },
      ...(options.config?.secrets as JsonObject | undefined),
    },
    ...Object.fromEntries(
      Object.entries(options.config ?? {}).filter(([key]) => key !== 'secrets'),
    ),
  };
  const backend = await startTestBackend({
    features: [
      secretsPlugin,
      registeringModule(
        'test-definitions',
        options.definitions ?? DEFAULT_DEFINITIONS,
      ),
      mockServices.rootConfig.factory({ data: config }),
      logs.factory(),
      adminOnlyPermissions,
      // The real actions registry (its HTTP interface under /api/secrets).
      actionsRegistryServiceMock.factory(),
      catalogServiceMock.factory({
        entities: options.entities ?? [
          testEntity(BOBS_COMPONENT, 'user:default/bob'),
          testEntity(OTHER_COMPONENT, 'group:default/other-team'),
        ],
      }),
      ...(options.knex
        ? [mockServices.database.factory({ knex: options.knex })]
        : []),
      ...(options.features ?? []),
    ],
  });
  return { backend, server: backend.server, logs };
}

/**
 * The mock auth service, except that a token a plugin requests on behalf of
 * a user carries the plugin as its actor, as Backstage's real auth service
 * does (its on-behalf-of tokens verify as the user, acted for by the
 * plugin); the stock mock drops the actor.
 */
export const onBehalfOfAwareAuth = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }) {
    const base = mockServices.auth({ pluginId: plugin.getId() });
    return Object.assign(Object.create(base), {
      async getPluginRequestToken(options: {
        onBehalfOf: BackstageCredentials;
        targetPluginId: string;
      }) {
        const principal = options.onBehalfOf.principal as { type?: string };
        if (principal.type === 'user') {
          return {
            token: mockCredentials.user.token(
              (principal as BackstageUserPrincipal).userEntityRef,
              { actor: { subject: `plugin:${plugin.getId()}` } },
            ),
          };
        }
        return base.getPluginRequestToken(options);
      },
    });
  },
});
