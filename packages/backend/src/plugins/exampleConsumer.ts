import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { secretsServiceRef } from '@backstage-secrets/plugin-secrets-node';
import Router from 'express-promise-router';

/**
 * An example plugin that needs a secret. `GET /api/example-consumer/status`
 * reports whether its API key is configured, and nothing else of the key
 * (not even its length). It reads with its own credentials, the only way to
 * read a shared secret: the user's request is authenticated, but never
 * forwarded to the secrets plugin.
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
        httpRouter.use(router);
      },
    });
  },
});
