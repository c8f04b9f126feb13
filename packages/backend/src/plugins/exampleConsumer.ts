import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { isError, NotFoundError } from '@backstage/errors';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
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
 *
 * `GET /api/example-consumer/entity-status?entityRef=component:default/x`
 * reads the entity-scoped `SENTRY_DSN` for the entity whose page the user
 * is on (the entity's own DSN, else the default), after asking the catalog
 * with the user's credentials whether they may see that entity; it answers
 * `{ configured }`, never the value.
 */
export const exampleConsumerPlugin = createBackendPlugin({
  pluginId: 'example-consumer',
  register(env) {
    env.registerInit({
      deps: {
        secrets: secretsServiceRef,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        catalog: catalogServiceRef,
      },
      async init({ secrets, httpRouter, httpAuth, catalog }) {
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
        router.get('/entity-status', async (req, res) => {
          const credentials = await httpAuth.credentials(req, {
            allow: ['user'],
          });
          const entityRef = String(req.query.entityRef ?? '');
          // Only for an entity the user may see in the catalog.
          const entity = entityRef
            ? await catalog.getEntityByRef(entityRef, { credentials })
            : undefined;
          if (!entity) {
            throw new NotFoundError(`Entity ${entityRef} was not found`);
          }
          // Read with the plugin's own credentials, for that entity.
          const dsn = await secrets.getSecret('SENTRY_DSN', { entityRef });
          res.json({ configured: dsn !== undefined });
        });
        httpRouter.use(router);
      },
    });
  },
});
