import type { Entity } from '@backstage/catalog-model';
import type {
  SecretSummary,
  UserSecretSummary,
} from '@backstage-secrets/plugin-secrets-common';

/** One secret of each kind the page distinguishes. */
export const fixtures = {
  missing: {
    name: 'PAGERDUTY_API_TOKEN',
    registered: true,
    scope: 'shared',
    description: 'Token for **PagerDuty** incidents.',
    format: 'text',
    source: 'unset',
  },
  set: {
    name: 'OPENAI_API_KEY',
    registered: true,
    scope: 'shared',
    description: 'Used by the *assistant* plugin.',
    obtainUrl: 'https://platform.openai.com/api-keys',
    obtainLabel: 'Get an OpenAI API key',
    format: 'text',
    source: 'database',
    version: 3,
    createdAt: '2025-01-01T10:00:00Z',
    createdBy: 'user:default/bob',
    updatedAt: '2025-06-01T10:00:00Z',
    updatedBy: 'user:default/alice',
    lastUsedAt: '2025-06-02T10:00:00Z',
    lastUsedBy: 'plugin:catalog',
    readers: ['example-consumer', 'catalog'],
  },
  json: {
    name: 'GOOGLE_SERVICE_ACCOUNT_JSON',
    registered: true,
    scope: 'shared',
    format: 'json',
    source: 'unset',
  },
  pinnedByConfig: {
    name: 'GITHUB_TOKEN',
    registered: true,
    scope: 'shared',
    format: 'text',
    source: 'config',
    pinnedBy: 'secrets.values.GITHUB_TOKEN',
  },
  pinnedByEnvironment: {
    name: 'SLACK_WEBHOOK',
    registered: true,
    scope: 'shared',
    format: 'text',
    source: 'environment',
    pinnedBy: 'BACKSTAGE_SECRETS_SLACK_WEBHOOK',
  },
  orphaned: {
    name: 'OLD_JIRA_TOKEN',
    registered: false,
    scope: 'shared',
    format: 'text',
    source: 'database',
    version: 1,
    updatedAt: '2024-02-01T10:00:00Z',
    updatedBy: 'user:default/carol',
  },
  unreadable: {
    name: 'SONAR_TOKEN',
    registered: true,
    scope: 'shared',
    format: 'text',
    source: 'database',
    version: 2,
    error: 'The stored value cannot be decrypted with the configured keys',
  },
  perUser: {
    name: 'PERSONAL_GITHUB_TOKEN',
    registered: true,
    scope: 'user',
    description: 'Your own **GitHub** token.',
    format: 'text',
    source: 'unset',
    readers: ['example-consumer'],
    userValueCount: 2,
  },
} satisfies Record<string, SecretSummary>;

/** Per-user secrets as the signed-in user sees them. */
export const userFixtures = {
  unset: {
    name: 'PERSONAL_OPENAI_API_KEY',
    description: 'Your own key, billed to you. [Why?](https://example.com/why)',
    obtainUrl: 'https://platform.openai.com/api-keys',
    obtainLabel: 'Get an OpenAI API key',
    format: 'text',
    set: false,
    grants: [{ pluginId: 'example-consumer', allowed: false }],
  },
  setAndAllowed: {
    name: 'PERSONAL_GITHUB_TOKEN',
    description: 'Your own **GitHub** token.',
    format: 'text',
    set: true,
    version: 2,
    updatedAt: '2025-06-01T10:00:00Z',
    lastUsedAt: '2025-06-02T10:00:00Z',
    lastUsedBy: 'plugin:example-consumer',
    grants: [
      { pluginId: 'example-consumer', allowed: true },
      { pluginId: 'catalog', allowed: false },
    ],
  },
  orphaned: {
    name: 'OLD_PERSONAL_TOKEN',
    registered: false,
    format: 'text',
    set: true,
    version: 4,
    updatedAt: '2025-05-01T10:00:00Z',
    grants: [],
  },
} satisfies Record<string, UserSecretSummary>;

const user = (name: string, displayName: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name, namespace: 'default' },
  spec: { profile: { displayName }, memberOf: [] },
});

/** The people the catalog knows (carol is not one of them). */
export const catalogUsers: Entity[] = [
  user('alice', 'Alice Adminson'),
  user('bob', 'Bob Builder'),
];
