import {
  createApiFactory,
  createPlugin,
  createComponentExtension,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import {
  entitySecretsApiRef,
  EntitySecretsClient,
  secretsApiRef,
  SecretsClient,
  userSecretsApiRef,
  UserSecretsClient,
} from './api';
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
    createApiFactory({
      api: entitySecretsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new EntitySecretsClient({ discoveryApi, fetchApi }),
    }),
    createApiFactory({
      api: userSecretsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new UserSecretsClient({ discoveryApi, fetchApi }),
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

/**
 * The "My secrets" page (legacy frontend system): the signed-in user's own
 * per-user secrets. Mount it as a tab of the settings page, e.g.
 * `<SettingsLayout.Route path="secrets" title="My secrets"><UserSecretsPage /></SettingsLayout.Route>`,
 * so that it lives at `/settings/secrets`, where the backend's messages
 * send people. No permission is needed: everyone sees only their own.
 *
 * @public
 */
export const UserSecretsPage: () => JSX.Element = secretsPlugin.provide(
  createComponentExtension({
    name: 'UserSecretsPage',
    component: {
      lazy: () =>
        import('./components/UserSecrets').then(m => m.UserSecretsContent),
    },
  }),
);

/**
 * The "Secrets" tab of a catalog entity (legacy frontend system): its
 * entity-scoped secrets, with Set / Replace / Clear for its owners. Mount
 * it in the entity page of the kinds your secrets declare, e.g.
 * `<EntityLayout.Route path="/secrets" title="Secrets"><EntitySecretsContent /></EntityLayout.Route>`.
 *
 * @public
 */
export const EntitySecretsContent: () => JSX.Element = secretsPlugin.provide(
  createComponentExtension({
    name: 'EntitySecretsContent',
    component: {
      lazy: () =>
        import('./components/EntitySecrets').then(m => m.EntitySecretsContent),
    },
  }),
);
