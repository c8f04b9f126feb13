import {
  createFrontendPlugin,
  createRouteRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import VpnKeyOutlinedIcon from '@material-ui/icons/VpnKeyOutlined';

const rootRouteRef = createRouteRef();

/**
 * The demo's "Personal OpenAI key" page at /example-consumer: how a plugin
 * asks the signed-in user for their own key with `<UserSecretPrompt>`.
 */
const personalKeyPage = PageBlueprint.make({
  params: {
    path: '/example-consumer',
    title: 'Personal OpenAI key',
    icon: <VpnKeyOutlinedIcon fontSize="inherit" />,
    routeRef: rootRouteRef,
    loader: () => import('./PersonalKeyPage').then(m => <m.PersonalKeyPage />),
  },
});

export const exampleConsumerPlugin = createFrontendPlugin({
  pluginId: 'example-consumer',
  title: 'Personal OpenAI key',
  routes: { root: rootRouteRef },
  extensions: [personalKeyPage],
});
