import request from 'supertest';
import type { JsonObject } from '@backstage/types';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import {
  SecretsService,
  secretsServiceRef,
} from '@backstage-secrets/plugin-secrets-node';
import { plantCanary } from './__testUtils__/canaries';
import { LogCapture } from './__testUtils__/capturingLogger';
import { createTestDatabases } from './__testUtils__/databases';
import { CALLER_HEADERS } from './__testUtils__/hostileHttp';
import { startSecretsBackend } from './__testUtils__/testBackend';

/*
 * Who may read which secret: `readers` from the definition, narrowed or
 * widened by `secrets.readers.<NAME>` (config wins); every read and every
 * refusal audited, never with the value. The full route × caller matrix is
 * in permissionMatrix.test.ts.
 */

jest.setTimeout(60_000);

const databases = createTestDatabases();
const CANARY = plantCanary('sk-readers-canary-7d20c1');

/** A backend plugin's own service token for the secrets plugin. */
function pluginHeader(pluginId: string) {
  return mockCredentials.service.header({
    onBehalfOf: mockCredentials.service(`plugin:${pluginId}`),
    targetPluginId: 'secrets',
  });
}

/** A plugin that hands its secrets service to the test. */
function capturingConsumer(pluginId: string) {
  const captured: { service?: SecretsService } = {};
  const feature = createBackendPlugin({
    pluginId,
    register(env) {
      env.registerInit({
        deps: { secrets: secretsServiceRef },
        async init({ secrets }) {
          captured.service = secrets;
        },
      });
    },
  });
  return { feature, captured };
}

function auditEvents(logs: LogCapture) {
  return logs
    .matching(/"isAuditEvent":true/)
    .map(line => JSON.parse(line))
    .filter(event => event.eventId === 'secret-read');
}

describe.each(databases.eachSupportedId())('readers on %p', databaseId => {
  async function start(config: JsonObject = {}) {
    const knex = await databases.init(databaseId);
    const logs = new LogCapture();
    const consumer = capturingConsumer('consumer');
    const outsider = capturingConsumer('outsider');
    const started = await startSecretsBackend({
      knex,
      logs,
      config: { secrets: config },
      definitions: [
        { name: 'NARROW_KEY', readers: ['consumer', 'catalog'] },
        { name: 'OPEN_KEY' },
        { name: 'NOBODY_KEY', readers: [] },
      ],
      features: [consumer.feature, outsider.feature],
    });
    for (const name of ['NARROW_KEY', 'OPEN_KEY', 'NOBODY_KEY']) {
      const res = await request(started.server)
        .put(`/api/secrets/secrets/${name}`)
        .set('Authorization', CALLER_HEADERS.admin)
        .send({ value: `${CANARY}-${name}` });
      expect(res.status).toBe(200);
    }
    const read = (pluginId: string, name: string) =>
      request(started.server)
        .get(`/api/secrets/secrets/${name}/value`)
        .set('Authorization', pluginHeader(pluginId));
    return {
      ...started,
      logs,
      read,
      consumer: consumer.captured.service!,
      outsider: outsider.captured.service!,
    };
  }

  it('serves a secret to its readers only, and says who may read it', async () => {
    const { read } = await start();
    expect((await read('consumer', 'NARROW_KEY')).body).toEqual({
      value: `${CANARY}-NARROW_KEY`,
    });
    expect((await read('catalog', 'NARROW_KEY')).status).toBe(200);
    const refused = await read('outsider', 'NARROW_KEY');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toEqual({
      name: 'NotAllowedError',
      message:
        'Plugin outsider may not read secret NARROW_KEY: only the plugin(s) consumer, catalog may read it. An operator can change that with secrets.readers.NARROW_KEY in app-config.yaml.',
    });
    expect(refused.text).not.toContain(CANARY);
    // No readers at all: nobody; absent readers: every plugin.
    expect((await read('consumer', 'NOBODY_KEY')).status).toBe(403);
    expect((await read('outsider', 'OPEN_KEY')).status).toBe(200);
  });

  it('lets operators narrow and widen readers in config, which wins over the definition', async () => {
    const { read, server } = await start({
      readers: { NARROW_KEY: ['outsider'], OPEN_KEY: ['consumer'] },
    });
    expect((await read('outsider', 'NARROW_KEY')).status).toBe(200);
    expect((await read('consumer', 'NARROW_KEY')).status).toBe(403);
    expect((await read('consumer', 'OPEN_KEY')).status).toBe(200);
    expect((await read('outsider', 'OPEN_KEY')).status).toBe(403);

    const list = await request(server)
      .get('/api/secrets/secrets')
      .set('Authorization', CALLER_HEADERS.admin);
    const readers = Object.fromEntries(
      list.body.items.map((item: any) => [item.name, item.readers ?? 'any']),
    );
    expect(readers).toEqual({
      NARROW_KEY: ['outsider'],
      OPEN_KEY: ['consumer'],
      NOBODY_KEY: [],
    });
  });

  it('lists the readers of each secret, absent meaning any backend plugin', async () => {
    const { server } = await start();
    const list = await request(server)
      .get('/api/secrets/secrets')
      .set('Authorization', CALLER_HEADERS.admin);
    const byName = Object.fromEntries(
      list.body.items.map((item: any) => [item.name, item]),
    );
    expect(byName.NARROW_KEY.readers).toEqual(['consumer', 'catalog']);
    expect(byName.NOBODY_KEY.readers).toEqual([]);
    expect('readers' in byName.OPEN_KEY).toBe(false);
  });

  it('makes getSecret reject for a plugin outside the readers (not answer undefined)', async () => {
    const { consumer, outsider } = await start();
    expect(await consumer.getSecret('NARROW_KEY')).toBe(`${CANARY}-NARROW_KEY`);
    await expect(outsider.getSecret('NARROW_KEY')).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringMatching(
        /^Plugin outsider may not read secret NARROW_KEY/,
      ),
    });
    await expect(outsider.requireSecret('NARROW_KEY')).rejects.toMatchObject({
      name: 'NotAllowedError',
    });
    // A refusal is never cached as a value, and a reader is unaffected.
    expect(await outsider.getSecret('OPEN_KEY')).toBe(`${CANARY}-OPEN_KEY`);
  });

  it('ignores onBehalfOf for shared secrets: the client reads with the plugin\u2019s own token', async () => {
    const { consumer, outsider } = await start();
    const user = mockCredentials.user('user:default/bob');
    expect(await consumer.getSecret('NARROW_KEY', { onBehalfOf: user })).toBe(
      `${CANARY}-NARROW_KEY`,
    );
    // The user does not widen what the plugin may read.
    await expect(
      outsider.getSecret('NARROW_KEY', { onBehalfOf: user }),
    ).rejects.toMatchObject({ name: 'NotAllowedError' });
  });

  it('audits every read (low) and every refusal (medium) with secret, caller and outcome, never the value', async () => {
    const { read, logs, server } = await start();
    await read('consumer', 'NARROW_KEY');
    await read('outsider', 'NARROW_KEY');
    await request(server)
      .get('/api/secrets/secrets/NARROW_KEY/value')
      .set('Authorization', CALLER_HEADERS.onBehalfOfAdmin);
    await request(server)
      .get('/api/secrets/secrets/UNKNOWN_KEY/value')
      .set('Authorization', pluginHeader('consumer'));
    const summary = auditEvents(logs)
      .filter(event => event.status !== 'initiated')
      .map(event => [
        event.severityLevel,
        event.status,
        event.meta?.name,
        event.meta?.caller,
        event.meta?.outcome,
      ]);
    expect(summary).toEqual([
      ['low', 'succeeded', 'NARROW_KEY', 'plugin:consumer', 'read'],
      ['medium', 'failed', 'NARROW_KEY', 'plugin:outsider', 'refused'],
      // A user token is refused before it is a caller at all.
      ['medium', 'failed', 'NARROW_KEY', null, 'refused'],
      ['low', 'failed', 'UNKNOWN_KEY', 'plugin:consumer', 'not-found'],
    ]);
    expect(logs.text()).not.toContain(CANARY);
  });

  it('refuses external callers on secrets with readers (readers name backend plugins)', async () => {
    const { server } = await start({ allowExternalAccessToValues: true });
    const get = (name: string, header: string) =>
      request(server)
        .get(`/api/secrets/secrets/${name}/value`)
        .set('Authorization', header);
    expect((await get('OPEN_KEY', CALLER_HEADERS.external)).body).toEqual({
      value: `${CANARY}-OPEN_KEY`,
    });
    const narrowed = await get('NARROW_KEY', CALLER_HEADERS.external);
    expect(narrowed.status).toBe(403);
    expect(narrowed.body.error.message).toMatch(
      /^The external caller external:ci-bot may not read secret NARROW_KEY/,
    );
  });
});

describe('external access restrictions', () => {
  it('refuses an external token restricted to certain permissions: reading a value is none of them', async () => {
    // The mock token format cannot carry restrictions: this caller comes in
    // as the default credentials of a request without a token.
    const { server } = await startSecretsBackend({
      config: { secrets: { allowExternalAccessToValues: true } },
      definitions: [{ name: 'OPEN_KEY' }],
      features: [
        mockServices.httpAuth.factory({
          defaultCredentials: mockCredentials.service('external:ci-bot', {
            permissionNames: ['catalog.entity.read'],
          }),
        }),
      ],
    });
    const res = await request(server).get(
      '/api/secrets/secrets/OPEN_KEY/value',
    );
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(
      /restricted to certain permissions, which never include reading secret values/,
    );
  });
});

describe('external access subjects', () => {
  it.each(['static', 'legacy'])(
    'refuses a %s external access token whose subject looks like a plugin',
    async type => {
      await expect(
        startSecretsBackend({
          config: {
            backend: {
              auth: {
                externalAccess: [
                  {
                    type,
                    options:
                      type === 'static'
                        ? {
                            token: 'a-long-static-token',
                            subject: 'plugin:catalog',
                          }
                        : {
                            secret: 'c2VjcmV0LXNlY3JldA',
                            subject: 'plugin:catalog',
                          },
                  },
                ],
              },
            },
          },
        }),
      ).rejects.toThrow(
        /externalAccess\[0\] \(type \w+\) has the subject 'plugin:catalog', which would pass as a backend plugin/,
      );
    },
  );

  it('accepts other subjects', async () => {
    const { server } = await startSecretsBackend({
      config: {
        backend: {
          auth: {
            externalAccess: [
              {
                type: 'static',
                options: { token: 'a-long-static-token', subject: 'ci-bot' },
              },
            ],
          },
        },
      },
    });
    expect(server.listening).toBe(true);
  });
});

const HANDLER_OPTIONS: Record<string, object> = {
  static: { token: 'a-long-static-token', subject: 'ci-bot' },
  legacy: { secret: 'c2VjcmV0LXNlY3JldA', subject: 'ci-bot' },
  jwks: { url: 'https://sso.invalid/jwks.json', subject: 'ci' },
};

describe('external token handlers of your own', () => {
  const custom = {
    backend: {
      auth: {
        externalAccess: [
          {
            type: 'static',
            options: { token: 'a-long-static-token', subject: 'ci-bot' },
          },
          { type: 'my-sso-tokens', options: { issuer: 'https://sso' } },
        ],
      },
    },
  };

  it('stops start-up: such a handler can answer a plugin: subject', async () => {
    await expect(startSecretsBackend({ config: custom })).rejects.toThrow(
      "backend.auth.externalAccess[1] has the type 'my-sso-tokens', a token handler of your own. Such a handler can return a 'plugin:' subject, which the secrets backend trusts as that backend plugin (and so lets it read that plugin's secrets). If your handler never returns a subject starting with 'plugin:', set secrets.acknowledgeCustomExternalTokenHandlers: true to start.",
    );
  });

  it('starts once the operator acknowledges it', async () => {
    const { server } = await startSecretsBackend({
      config: {
        ...custom,
        secrets: { acknowledgeCustomExternalTokenHandlers: true },
      },
    });
    expect(server.listening).toBe(true);
  });

  it.each(['static', 'legacy', 'jwks'])(
    "accepts Backstage's own %s handler",
    async type => {
      const { server } = await startSecretsBackend({
        config: {
          backend: {
            auth: {
              externalAccess: [
                {
                  type,
                  options: HANDLER_OPTIONS[type],
                },
              ],
            },
          },
        },
      });
      expect(server.listening).toBe(true);
    },
  );
});
