import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import type { JsonValue } from '@backstage/types';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { secretsServiceRef } from '@backstage-secrets/plugin-secrets-node';
import { ENDPOINTS_CONFIG_KEY, readEndpoints } from './endpoints';
import { createSecretsProxyRouter } from './router';

/**
 * A module of the `proxy` plugin: the endpoints of `secrets.proxy.endpoints`,
 * served under `/api/proxy/<route>` like the stock `proxy.endpoints`, whose
 * headers are filled with secrets from Backstage Secrets at request time,
 * e.g. `Authorization: 'Token token={{ secrets.PAGERDUTY_API_TOKEN }}'`.
 *
 * It reads the secrets as the `proxy` plugin, so a secret with `readers`
 * must list `proxy`. Every referenced secret must be declared (by a secrets
 * module or in `secrets.definitions`): the secrets backend refuses to start
 * otherwise, naming them.
 *
 * @public
 */
export const proxyModuleSecrets = createBackendModule({
  pluginId: 'proxy',
  moduleId: 'secrets',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        secrets: secretsServiceRef,
        catalog: catalogServiceRef,
      },
      async init({ config, logger, httpRouter, httpAuth, secrets, catalog }) {
        const endpoints = readEndpoints(
          config.getOptional<JsonValue>(ENDPOINTS_CONFIG_KEY),
        );

        // One route, one owner: the stock proxy would otherwise serve the
        // same path without the secret.
        const stock = config.getOptional<JsonValue>('proxy.endpoints');
        const stockRoutes =
          stock && typeof stock === 'object' && !Array.isArray(stock)
            ? Object.keys(stock)
            : [];
        const clash = endpoints
          .map(e => e.route)
          .filter(route => stockRoutes.includes(route));
        if (clash.length > 0) {
          throw new Error(
            `Proxy routes ${clash.join(
              ', ',
            )} are configured both in proxy.endpoints and in ${ENDPOINTS_CONFIG_KEY}; keep each route in one of them.`,
          );
        }

        for (const endpoint of endpoints) {
          if (endpoint.credentials === 'dangerously-allow-unauthenticated') {
            httpRouter.addAuthPolicy({
              path: endpoint.route,
              allow: 'unauthenticated',
            });
          }
        }
        // Modules initialise before their plugin, so these routes come
        // before the stock proxy's on the proxy plugin's router.
        httpRouter.use(
          createSecretsProxyRouter({
            endpoints,
            secrets,
            httpAuth,
            catalog,
            logger,
            disableDefaultAuthPolicy:
              config.getOptionalBoolean(
                'backend.auth.dangerouslyDisableDefaultAuthPolicy',
              ) ?? false,
            reviveConsumedRequestBodies:
              config.getOptionalBoolean('proxy.reviveConsumedRequestBodies') ??
              false,
          }),
        );
        if (endpoints.length > 0) {
          logger.info(
            `Proxy endpoints with secrets in headers: ${endpoints
              .map(e => `${e.route} -> ${e.target}`)
              .join(', ')}`,
          );
        }
      },
    });
  },
});
