import {
  createApiFactory,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { secretsApiRef, SecretsClient } from './api';
import { rootRouteRef } from './routes';

/**
 * The secrets plugin for the legacy frontend system. It provides
 * {@link secretsApiRef}, so an app only mounts {@link SecretsPage} and adds
 * {@link SecretsSidebarItem}.
 *
 * @public
 */
export const secretsPlugin = createPlugin({
  id: 'secrets',
  routes: {
    root: rootRouteRef,
  },
  apis: [
    createApiFactory({
      api: secretsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new SecretsClient({ discoveryApi, fetchApi }),
    }),
  ],
});

/**
 * The "Manage secrets" page (legacy frontend system), e.g.
 * `<Route path="/secrets" element={<SecretsPage />} />`.
 *
 * @public
 */
export const SecretsPage: () => JSX.Element = secretsPlugin.provide(
  createRoutableExtension({
    name: 'SecretsPage',
    component: () =>
      import('./components/SecretsPage').then(m => m.SecretsPage),
    mountPoint: rootRouteRef,
  }),
);
