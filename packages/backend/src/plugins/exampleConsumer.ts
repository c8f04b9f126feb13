import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';
import { secretsServiceRef } from '@backstage-secrets/plugin-secrets-node';
import Router from 'express-promise-router';

/**
 * An example plugin that needs a secret. `GET /api/example-consumer/status`
 * reports whether its API key is configured, and nothing else of the key
 * (not even its length). It reads with its own credentials, the only way to
 * read a shared secret: the user's request is authenticated, but never
 * forwarded to the secrets plugin.
 *
 * `GET /api/example-consumer/personal-status` reads the calling user's own
 * `PERSONAL_OPENAI_API_KEY` (a per-user secret) on their behalf and answers
 * `{ configured }` (again never the value), or 403 with an explanation when
 * the user has not allowed this plugin to use it.
 */
export const exampleConsumerPlugin = createBackendPlugin({
  pluginId: 'example-consumer',
  register(env) {
    env.registerInit({
      deps: {
        secrets: secretsServiceRef,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
      },
      async init({ secrets, httpRouter, httpAuth }) {
        const router = Router();
        router.get('/status', async (req, res) => {
          // Only signed-in users may ask.
          await httpAuth.credentials(req, { allow: ['user'] });
          const apiKey = await secrets.getSecret('OPENAI_API_KEY');
          res.json({ openaiApiKeyConfigured: apiKey !== undefined });
        });
        router.get('/personal-status', async (req, res) => {
          // The user's own credentials: the secrets plugin gives the value
          // only for this user, and only if they allowed this plugin.
          const credentials = await httpAuth.credentials(req, {
            allow: ['user'],
          });
          try {
            const apiKey = await secrets.getSecret('PERSONAL_OPENAI_API_KEY', {
              onBehalfOf: credentials,
            });
            res.json({ configured: apiKey !== undefined });
          } catch (error) {
            // By name: another copy of @backstage/errors would fail instanceof.
            if (isError(error) && error.name === 'NotAllowedError') {
              res.status(403).json({
                configured: false,
                allowed: false,
                message:
                  'You have not allowed example-consumer to use your PERSONAL_OPENAI_API_KEY; allow it on My secrets (/settings/secrets).',
              });
              return;
            }
            throw error;
          }
        });
        httpRouter.use(router);
      },
    });
  },
});
