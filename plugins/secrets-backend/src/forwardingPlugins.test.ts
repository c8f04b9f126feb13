import express from 'express';
import request from 'supertest';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import { secretsServiceRef } from '@backstage-secrets/plugin-secrets-node';
import { LogCapture } from './__testUtils__/capturingLogger';
import {
  onBehalfOfAwareAuth,
  startSecretsBackend,
} from './__testUtils__/testBackend';

/*
 * A plugin that forwards requests a user chooses (the scaffolder's
 * `http:backstage:request`, the proxy, an agent's tools) must never read a
 * user's own value: a template run by user U can send U's raw token to the
 * grant route, then read with the token the action mints on U's behalf, and
 * print the value in the step's output.
 */

jest.setTimeout(60_000);

const NAME = 'PERSONAL_TOKEN';
const USER = 'user:default/ursula';
const CANARY = 'sk-forwarded-canary-4b1d90';

/**
 * A stand-in for the scaffolder: `POST /run` does what a template step
 * would, for the signed-in user who runs it: `raw` sends the user's own
 * token to a route of the secrets backend (http:backstage:request with
 * useBackstageToken); `read` reads the secret on the user's behalf.
 */
function forwardingPlugin(pluginId: string) {
  return createBackendPlugin({
    pluginId,
    register(env) {
      env.registerInit({
        deps: {
          http: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
          discovery: coreServices.discovery,
          secrets: secretsServiceRef,
        },
        async init({ http, httpAuth, discovery, secrets }) {
          const router = express.Router();
          router.use(express.json());
          router.post('/run', async (req, res) => {
            const credentials = await httpAuth.credentials(req, {
              allow: ['user'],
            });
            if (req.body.mode === 'raw') {
              const base = await discovery.getBaseUrl('secrets');
              const answer = await fetch(`${base}${req.body.path}`, {
                method: req.body.method,
                headers: {
                  authorization: req.headers.authorization ?? '',
                  'content-type': 'application/json',
                },
                body: JSON.stringify(req.body.body),
              });
              res.json({ status: answer.status, text: await answer.text() });
              return;
            }
            try {
              const value = await secrets.getSecret(NAME, {
                onBehalfOf: credentials,
              });
              res.json({ value });
            } catch (error) {
              res.json({ error: (error as Error).name });
            }
          });
          http.use(router);
        },
      });
    },
  });
}

describe('plugins that forward requests a user chooses', () => {
  it.each([
    [
      'a definition',
      {
        definitions: [
          { name: NAME, scope: 'user' as const, readers: ['scaffolder'] },
        ],
      },
      'scaffolder',
    ],
    [
      'secrets.readers',
      {
        definitions: [
          { name: NAME, scope: 'user' as const, readers: ['consumer'] },
        ],
        config: { secrets: { readers: { [NAME]: ['consumer', 'proxy'] } } },
      },
      'proxy',
    ],
    [
      'secrets.forwardingPlugins',
      {
        definitions: [
          { name: NAME, scope: 'user' as const, readers: ['ops-runner'] },
        ],
        config: { secrets: { forwardingPlugins: ['ops-runner'] } },
      },
      'ops-runner',
    ],
  ])(
    'can never be readers of a per-user secret: %s naming one stops start-up',
    async (_where, options, pluginId) => {
      await expect(startSecretsBackend(options)).rejects.toThrow(
        `Per-user secrets cannot be read by plugins that forward requests a user chooses`,
      );
      await expect(startSecretsBackend(options)).rejects.toThrow(
        `${NAME} names ${pluginId} among its readers.`,
      );
    },
  );

  it('may still be readers of shared secrets', async () => {
    const { backend, server } = await startSecretsBackend({
      definitions: [{ name: 'SHARED_FOR_SCAFFOLDER', readers: ['scaffolder'] }],
    });
    expect(server.listening).toBe(true);
    await backend.stop();
  });

  it("get nothing of a user's value from a forged grant when the reader is another plugin", async () => {
    const logs = new LogCapture();
    const { server, backend } = await startSecretsBackend({
      logs,
      definitions: [{ name: NAME, scope: 'user', readers: ['consumer'] }],
      features: [forwardingPlugin('scaffolder'), onBehalfOfAwareAuth],
    });
    const user = mockCredentials.user.header(USER);
    await request(server)
      .put(`/api/secrets/user/secrets/${NAME}`)
      .set('Authorization', user)
      .send({ value: CANARY })
      .expect(200);
    await request(server)
      .put(`/api/secrets/user/secrets/${NAME}/grants/consumer`)
      .set('Authorization', user)
      .send({ allowed: true })
      .expect(200);

    // The template sends the user's raw token to the grant route...
    const forged = await request(server)
      .post('/api/scaffolder/run')
      .set('Authorization', user)
      .send({
        mode: 'raw',
        method: 'PUT',
        path: `/user/secrets/${NAME}/grants/scaffolder`,
        body: { allowed: true },
      });
    expect(forged.body.status).toBe(400);
    expect(forged.body.text).toContain(
      'Plugin scaffolder is not a reader of PERSONAL_TOKEN',
    );
    // ...and to the value route.
    const raw = await request(server)
      .post('/api/scaffolder/run')
      .set('Authorization', user)
      .send({ mode: 'raw', method: 'GET', path: `/secrets/${NAME}/value` });
    expect(raw.body.status).toBe(403);
    // Then reads on the user's behalf.
    const read = await request(server)
      .post('/api/scaffolder/run')
      .set('Authorization', user)
      .send({ mode: 'read' });
    expect(read.body).toEqual({ error: 'NotAllowedError' });

    const everything = [forged, raw, read]
      .map(res => JSON.stringify(res.body))
      .concat(logs.lines)
      .join('\n');
    expect(everything).not.toContain(CANARY);
    await backend.stop();
  });
});
