import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { mockServices } from '@backstage/backend-test-utils';
import {
  SECRET_NOT_REGISTERED_REASON,
  SECRET_REASON_HEADER,
} from '@backstage-secrets/plugin-secrets-common';
import { DefaultSecretsClient } from './DefaultSecretsClient';

/**
 * A stand-in for the secrets backend that answers every value request with
 * the backend's 404 for a name that no plugin declares.
 */
async function startNotRegisteredBackend(withHeader: boolean) {
  const server: Server = createServer((req, res) => {
    const name = decodeURIComponent(req.url!.split('/')[2]);
    res.statusCode = 404;
    res.setHeader('content-type', 'application/json');
    if (withHeader) {
      res.setHeader(SECRET_REASON_HEADER, SECRET_NOT_REGISTERED_REASON);
    }
    res.end(
      JSON.stringify({
        error: {
          name: 'NotFoundError',
          message: `Secret ${name} is not registered: declare it first.`,
        },
        response: { statusCode: 404 },
      }),
    );
  });
  await new Promise<void>(resolve =>
    server.listen(0, '127.0.0.1', () => resolve()),
  );
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DefaultSecretsClient({
    auth: mockServices.auth({ pluginId: 'consumer' }),
    discovery: {
      getBaseUrl: async () => baseUrl,
      getExternalBaseUrl: async () => baseUrl,
    },
  });
  return {
    client,
    close: () => new Promise(resolve => server.close(resolve)),
  };
}

describe('DefaultSecretsClient and unregistered names', () => {
  it('rejects a read of a name that no plugin declares, naming it', async () => {
    const fake = await startNotRegisteredBackend(true);
    try {
      await expect(
        fake.client.getSecret('MISPELLED_KEY'),
      ).rejects.toMatchObject({
        name: 'NotFoundError',
        message: 'Secret MISPELLED_KEY is not registered: declare it first.',
      });
      await expect(
        fake.client.requireSecret('MISPELLED_KEY'),
      ).rejects.toMatchObject({ name: 'NotFoundError' });
    } finally {
      await fake.close();
    }
  });

  it('reads a 404 without the reason header as unset', async () => {
    const fake = await startNotRegisteredBackend(false);
    try {
      expect(await fake.client.getSecret('SOME_KEY')).toBeUndefined();
    } finally {
      await fake.close();
    }
  });
});
