import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { startTestBackend } from '@backstage/backend-test-utils';
import { SecretsService, secretsServiceRef } from '../service';
import { secretsServiceMock } from './secretsServiceMock';

describe('secretsServiceMock', () => {
  it('serves the given values and explains missing ones', async () => {
    const mock = secretsServiceMock({
      values: { API_KEY: 'test-key', EMPTY: '' },
    });
    expect(await mock.getSecret('API_KEY')).toBe('test-key');
    expect(await mock.getSecret('EMPTY')).toBeUndefined();
    await expect(mock.requireSecret('MISSING')).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringMatching(/MISSING is not set/),
    });
    mock.set('MISSING', 'now-set');
    expect(await mock.requireSecret('MISSING')).toBe('now-set');
    expect(mock.reads).toEqual(['API_KEY', 'EMPTY', 'MISSING', 'MISSING']);
  });

  it('replaces the secrets service of a plugin under test', async () => {
    let seen: string | undefined;
    const plugin = createBackendPlugin({
      pluginId: 'consumer',
      register(env) {
        env.registerInit({
          deps: { secrets: secretsServiceRef },
          async init({ secrets }: { secrets: SecretsService }) {
            seen = await secrets.getSecret('API_KEY');
          },
        });
      },
    });
    const backend = await startTestBackend({
      features: [
        plugin,
        secretsServiceMock.factory({ values: { API_KEY: 'from-mock' } }),
      ],
    });
    expect(seen).toBe('from-mock');
    await backend.stop();
  });
});
