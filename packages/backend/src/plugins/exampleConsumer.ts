import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { secretsServiceRef } from '@backstage-secrets/plugin-secrets-node';
import Router from 'express-promise-router';

/**
 * An example plugin that needs a secret. `GET /api/example-consumer/status`
 * reports whether its API key is configured, never the key itself. It reads
 * on behalf of the calling user, so the "Manage secrets" page shows who used
 * the secret last.
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
          const credentials = await httpAuth.credentials(req, {
            allow: ['user'],
          });
          const apiKey = await secrets.getSecret('OPENAI_API_KEY', {
            onBehalfOf: credentials,
          });
          res.json({
            openaiApiKeyConfigured: apiKey !== undefined,
            // A fingerprint-free hint that the value looks plausible.
            openaiApiKeyLength: apiKey?.length ?? 0,
          });
        });
        httpRouter.use(router);
      },
    });
  },
});
