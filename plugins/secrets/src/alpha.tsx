/**
 * The "Manage secrets" page of Backstage Secrets for the new frontend system:
 * the default export is the plugin.
 *
 * @packageDocumentation
 */
import {
  ApiBlueprint,
  createFrontendPlugin,
  PageBlueprint,
  SubPageBlueprint,
} from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import VpnKeyIcon from '@material-ui/icons/VpnKey';
import { manageSecretsPermission } from '@backstage-secrets/plugin-secrets-common';
import {
  entitySecretsApiRef,
  EntitySecretsClient,
  secretsApiRef,
  SecretsClient,
  userSecretsApiRef,
  UserSecretsClient,
} from './api';
import { backendClientFactory } from './api/backendClientFactory';
import { rootRouteRef } from './routes';

const TITLE = 'Manage secrets';

const loadSecretsContent = () =>
  import('./components/SecretsPage').then(m => <m.SecretsContent />);

// Extensions with this condition only exist for users who hold the
// permission; the app asks the permission backend once, at start-up.
const holdsManageSecrets = {
  permissions: { $contains: manageSecretsPermission.name },
};

/**
 * The `secretsApiRef` implementation, over `discoveryApi` + `fetchApi`.
 *
 * @alpha
 */
export const secretsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams(backendClientFactory(secretsApiRef, SecretsClient)),
});

/**
 * The `userSecretsApiRef` implementation, over `discoveryApi` + `fetchApi`.
 *
 * @alpha
 */
export const userSecretsApi = ApiBlueprint.make({
  name: 'user-secrets',
  params: defineParams =>
    defineParams(backendClientFactory(userSecretsApiRef, UserSecretsClient)),
});

/**
 * The `entitySecretsApiRef` implementation, over `discoveryApi` + `fetchApi`.
 *
 * @alpha
 */
export const entitySecretsApi = ApiBlueprint.make({
  name: 'entity-secrets',
  params: defineParams =>
    defineParams(
      backendClientFactory(entitySecretsApiRef, EntitySecretsClient),
    ),
});

/**
 * The "Secrets" tab of catalog entities: the entity's entity-scoped
 * secrets, with Set / Replace / Clear for its owners. Shown on components
 * (the default `entityKinds` of such secrets); for other kinds set the
 * extension's `filter` in app-config, e.g. `kind:component,system`.
 *
 * @alpha
 */
export const entitySecretsContent = EntityContentBlueprint.make({
  name: 'secrets',
  params: {
    path: '/secrets',
    title: 'Secrets',
    filter: 'kind:component',
    loader: () =>
      import('./components/EntitySecrets').then(m => (
        <m.EntitySecretsContent />
      )),
  },
});

/**
 * The "My secrets" tab of the user settings page (`page:user-settings` of
 * `@backstage/plugin-user-settings`), at `/settings/secrets`: every
 * signed-in user's own per-user secrets. No permission condition: everyone
 * sees only their own values.
 *
 * @alpha
 */
export const userSecretsSettingsPage = SubPageBlueprint.make({
  name: 'user-secrets',
  attachTo: { id: 'page:user-settings', input: 'pages' },
  params: {
    path: 'secrets',
    title: 'My secrets',
    loader: async () => {
      const [m, { Content }] = await Promise.all([
        import('./components/UserSecrets'),
        import('@backstage/core-components'),
      ]);
      return (
        <Content>
          <m.UserSecretsContent />
        </Content>
      );
    },
  },
});

/**
 * The "Manage secrets" page at `/secrets`. Its title and icon make the app
 * show a nav item for it; the condition makes both exist only for holders of
 * `manage-secrets`, so everyone else has no nav item at all.
 *
 * @alpha
 */
export const secretsPage = PageBlueprint.make({
  params: {
    path: '/secrets',
    title: TITLE,
    icon: <VpnKeyIcon fontSize="inherit" />,
    routeRef: rootRouteRef,
    loader: loadSecretsContent,
  },
  if: holdsManageSecrets,
});

/**
 * What people without `manage-secrets` get at `/secrets` (e.g. from a shared
 * link): a page that says which permission they need, instead of "not found".
 * It has no route ref, so it never becomes a nav item.
 *
 * @alpha
 */
export const secretsPermissionDeniedPage = PageBlueprint.make({
  name: 'permission-denied',
  params: {
    path: '/secrets',
    title: TITLE,
    // The same content: it checks the permission itself and explains.
    loader: loadSecretsContent,
  },
  if: { $not: holdsManageSecrets },
});

/**
 * The secrets plugin for the new frontend system: adding the package to an
 * app is all it takes.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'secrets',
  title: TITLE,
  icon: <VpnKeyIcon fontSize="inherit" />,
  info: { packageJson: () => import('../package.json') },
  routes: {
    root: rootRouteRef,
  },
  extensions: [
    secretsApi,
    userSecretsApi,
    entitySecretsApi,
    entitySecretsContent,
    secretsPage,
    secretsPermissionDeniedPage,
    userSecretsSettingsPage,
  ],
});
