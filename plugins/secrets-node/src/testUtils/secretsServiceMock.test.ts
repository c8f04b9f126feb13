import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  secretNotRegisteredMessage,
  secretNotSetMessage,
} from '@backstage-secrets/plugin-secrets-common';
import type { AddressInfo } from 'node:net';
import type { SecretsService } from '../SecretsService';
import { secretsServiceRef } from '../secretsServiceRef';
import { secretsServiceMock } from './secretsServiceMock';

describe('secretsServiceMock', () => {
  it('serves the given values and explains missing ones as the real client does', async () => {
    const mock = secretsServiceMock({
      values: { API_KEY: 'test-key', EMPTY: '' },
    });
    expect(await mock.getSecret('API_KEY')).toBe('test-key');
    expect(await mock.getSecret('EMPTY')).toBeUndefined();
    await expect(mock.requireSecret('MISSING')).rejects.toMatchObject({
      name: 'NotFoundError',
      message: secretNotSetMessage('MISSING'),
    });
    mock.set('MISSING', 'now-set');
    expect(await mock.requireSecret('MISSING')).toBe('now-set');
    expect(mock.reads).toEqual(['API_KEY', 'EMPTY', 'MISSING', 'MISSING']);
  });

  it('rejects names that are not registered, once told which are', async () => {
    const mock = secretsServiceMock({
      registered: ['API_KEY', { name: 'OTHER_KEY' }],
      values: { API_KEY: 'test-key' },
    });
    expect(await mock.getSecret('API_KEY')).toBe('test-key');
    expect(await mock.getSecret('OTHER_KEY')).toBeUndefined();
    await expect(mock.getSecret('API_KEYY')).rejects.toMatchObject({
      name: 'NotFoundError',
      message: secretNotRegisteredMessage('API_KEYY'),
    });
    await expect(mock.requireSecret('API_KEYY')).rejects.toMatchObject({
      message: secretNotRegisteredMessage('API_KEYY'),
    });
    mock.register('LATE_KEY');
    expect(await mock.getSecret('LATE_KEY')).toBeUndefined();
  });

  it('is shared by every plugin of a test backend, and values set later are read', async () => {
    const secrets = secretsServiceMock({ registered: ['API_KEY'] });
    const seen: Record<string, SecretsService> = {};
    const consumer = (pluginId: string) =>
      createBackendPlugin({
        pluginId,
        register(env) {
          env.registerInit({
            deps: {
              secrets: secretsServiceRef,
              httpRouter: coreServices.httpRouter,
            },
            async init({ secrets: service, httpRouter }) {
              seen[pluginId] = service;
              httpRouter.use(async (_req, res) => {
                res.json({
                  configured: Boolean(await service.getSecret('API_KEY')),
                });
              });
              httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
            },
          });
        },
      });
    const backend = await startTestBackend({
      features: [
        consumer('one'),
        consumer('two'),
        secretsServiceMock.factory(secrets),
      ],
    });
    try {
      const { port } = backend.server.address() as AddressInfo;
      const status = async (pluginId: string) =>
        (await fetch(`http://127.0.0.1:${port}/api/${pluginId}/status`)).json();
      expect(await status('one')).toEqual({ configured: false });
      secrets.set('API_KEY', 'set-by-the-test');
      expect(await status('one')).toEqual({ configured: true });
      expect(await status('two')).toEqual({ configured: true });
      expect(await seen.two.getSecret('API_KEY')).toBe('set-by-the-test');
      // Each plugin reads as itself (readers and users' grants apply to it).
      expect(secrets.readDetails.map(r => r.pluginId)).toEqual([
        'one',
        'one',
        'two',
        'two',
      ]);
    } finally {
      await backend.stop();
    }
  });

  it('creates one shared instance from options too, read by every plugin', async () => {
    const seen: SecretsService[] = [];
    const plugin = (pluginId: string) =>
      createBackendPlugin({
        pluginId,
        register(env) {
          env.registerInit({
            deps: { secrets: secretsServiceRef },
            async init({ secrets }) {
              seen.push(secrets);
              expect(await secrets.getSecret('API_KEY')).toBe('from-mock');
            },
          });
        },
      });
    const backend = await startTestBackend({
      features: [
        plugin('a'),
        plugin('b'),
        secretsServiceMock.factory({ values: { API_KEY: 'from-mock' } }),
      ],
    });
    expect(seen).toHaveLength(2);
    await backend.stop();
  });
});

describe('secretsServiceMock, scopes and readers as the backend decides them', () => {
  const mock = () =>
    secretsServiceMock({
      registered: [
        { name: 'RESTRICTED', readers: ['reader'] },
        { name: 'PERSONAL', scope: 'user', readers: ['reader'] },
      ],
      values: { RESTRICTED: 'restricted' },
      userValues: { PERSONAL: { 'user:default/alice': 'alice-own' } },
      grants: { PERSONAL: { 'user:default/alice': ['reader'] } },
    });
  const asUser = (userRef: string) => ({
    onBehalfOf: mockCredentials.user(userRef),
  });

  it('refuses a plugin outside the readers', async () => {
    const secrets = mock();
    await expect(
      secrets.forPlugin('other').getSecret('RESTRICTED'),
    ).rejects.toMatchObject({ name: 'NotAllowedError' });
    await expect(
      secrets.forPlugin('reader').getSecret('RESTRICTED'),
    ).resolves.toBe('restricted');
    // Called directly, the mock reads as `pluginId` (default test-plugin).
    await expect(secrets.getSecret('RESTRICTED')).rejects.toThrow(
      'Plugin test-plugin may not read secret RESTRICTED',
    );
  });

  it("reads a user's own value only on their behalf, after their grant", async () => {
    const reader = mock().forPlugin('reader');
    await expect(reader.getSecret('PERSONAL')).rejects.toMatchObject({
      name: 'NotAllowedError',
    });
    await expect(
      reader.getSecret('PERSONAL', asUser('user:default/alice')),
    ).resolves.toBe('alice-own');
    await expect(
      reader.getSecret('PERSONAL', asUser('user:default/bob')),
    ).rejects.toThrow(
      'user:default/bob has not allowed plugin reader to use their PERSONAL',
    );
  });

  it('answers undefined for an allowed user without a value, and requireSecret says where to add it', async () => {
    const secrets = mock();
    secrets.allow('PERSONAL', 'user:default/bob', 'reader');
    const reader = secrets.forPlugin('reader');
    await expect(
      reader.getSecret('PERSONAL', asUser('user:default/bob')),
    ).resolves.toBeUndefined();
    await expect(
      reader.requireSecret('PERSONAL', asUser('user:default/bob')),
    ).rejects.toThrow(
      'user:default/bob has not set PERSONAL. They can add it on their "My secrets" page (/settings/secrets).',
    );
    secrets.allow('PERSONAL', 'user:default/alice', 'reader', false);
    await expect(
      reader.getSecret('PERSONAL', asUser('user:default/alice')),
    ).rejects.toMatchObject({ name: 'NotAllowedError' });
  });
});

describe('secretsServiceMock, entity-scoped secrets', () => {
  it("reads an entity's value, else the default, else names the entity", async () => {
    const secrets = secretsServiceMock({
      registered: [{ name: 'SENTRY_DSN', scope: 'entity' }],
      entityValues: {
        SENTRY_DSN: { 'component:default/payments': 'payments-dsn' },
      },
    });
    await expect(
      secrets.getSecret('SENTRY_DSN', {
        entityRef: 'Component:default/payments',
      }),
    ).resolves.toBe('payments-dsn');
    await expect(
      secrets.requireSecret('SENTRY_DSN', {
        entityRef: 'component:default/billing',
      }),
    ).rejects.toThrow(/not set for component:default\/billing/);
    secrets.set('SENTRY_DSN', 'the-default');
    await expect(
      secrets.getSecret('SENTRY_DSN', {
        entityRef: 'component:default/billing',
      }),
    ).resolves.toBe('the-default');
    await expect(secrets.getSecret('SENTRY_DSN')).rejects.toThrow(
      /one value per catalog entity/,
    );
    expect(secrets.readDetails[0]).toMatchObject({
      entityRef: 'Component:default/payments',
    });
  });
});
