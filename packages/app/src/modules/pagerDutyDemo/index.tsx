import {
  createFrontendPlugin,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';

/**
 * The demo's stand-in for a frontend plugin that calls a third-party API
 * through the proxy, as the PagerDuty plugin does: the page at
 * `/pagerduty-demo` fetches `/api/proxy/pagerduty-demo/oncalls`, whose
 * `Authorization` header the proxy module fills with PAGERDUTY_API_TOKEN
 * from the "Manage secrets" page. The page knows nothing about secrets.
 */
export const pagerDutyDemoPlugin = createFrontendPlugin({
  pluginId: 'pagerduty-demo',
  extensions: [
    PageBlueprint.make({
      params: {
        path: '/pagerduty-demo',
        title: 'PagerDuty demo',
        loader: () =>
          import('./PagerDutyDemoPage').then(m => <m.PagerDutyDemoPage />),
      },
    }),
  ],
});
