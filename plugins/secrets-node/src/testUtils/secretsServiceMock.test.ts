import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { startTestBackend } from '@backstage/backend-test-utils';
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
      expect(seen.one).toBe(secrets);
      expect(seen.two).toBe(secrets);
      const { port } = backend.server.address() as AddressInfo;
      const status = async () =>
        (await fetch(`http://127.0.0.1:${port}/api/one/status`)).json();
      expect(await status()).toEqual({ configured: false });
      secrets.set('API_KEY', 'set-by-the-test');
      expect(await status()).toEqual({ configured: true });
    } finally {
      await backend.stop();
    }
  });

  it('creates one shared instance from options too', async () => {
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
    expect(seen[0]).toBe(seen[1]);
    await backend.stop();
  });
});
