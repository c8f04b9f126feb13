import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import http from 'node:http';

/** The config key of the fake's port; without it the fake does not start. */
export const FAKE_PAGERDUTY_PORT_KEY = 'demo.fakePagerDuty.port';

/**
 * The one user API key that the fake's "who am I" endpoint accepts: the
 * value that passes the check of PAGERDUTY_USER_API_KEY in the demo. Any
 * other value fails it, as an unknown key fails at PagerDuty.
 */
export const DEMO_PAGERDUTY_USER_KEY = 'pd-demo-user-key';

/**
 * A stand-in for the PagerDuty REST API (there is no internet here), so that
 * the demo's proxy endpoint `/api/proxy/pagerduty-demo` has an upstream: an
 * HTTP server on 127.0.0.1 at `demo.fakePagerDuty.port`.
 *
 * `GET /oncalls` answers a fixed on-call list when the request carries a
 * PagerDuty-style `Authorization: Token token=<token>` header (any token of
 * at least 8 characters: the fake cannot check a real one), and 401 as
 * PagerDuty does otherwise. `GET /users/me` ("who am I", which the demo's
 * PAGERDUTY_USER_API_KEY check calls) accepts {@link DEMO_PAGERDUTY_USER_KEY}
 * only. It never echoes or logs the header: what it answers reaches the
 * browser.
 */
export const fakePagerDutyPlugin = createBackendPlugin({
  pluginId: 'demo-fake-pagerduty',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.rootLifecycle,
      },
      async init({ config, logger, lifecycle }) {
        const port = config.getOptionalNumber(FAKE_PAGERDUTY_PORT_KEY);
        if (port === undefined) {
          return;
        }
        const server = http.createServer((req, res) => {
          const json = (status: number, body: object) => {
            res.writeHead(status, { 'content-type': 'application/json' });
            res.end(JSON.stringify(body));
          };
          const path = (req.url ?? '').split('?')[0];
          if (req.method === 'GET' && path === '/users/me') {
            const known =
              req.headers.authorization ===
              `Token token=${DEMO_PAGERDUTY_USER_KEY}`;
            if (known) {
              json(200, {
                user: { name: 'Grace Guest', email: 'guest@example.com' },
              });
            } else {
              json(401, {
                error: {
                  message:
                    'Unauthorized: PagerDuty does not know this API key (the demo accepts one key only; see the demo backend README).',
                  code: 2006,
                },
              });
            }
            return;
          }
          if (req.method !== 'GET' || path !== '/oncalls') {
            json(404, { error: { message: 'Not found', code: 2100 } });
            return;
          }
          const authorization = req.headers.authorization ?? '';
          const match = authorization.match(/^Token token=(.{8,})$/);
          if (!match) {
            json(401, {
              error: {
                message: 'Unauthorized: expected Authorization: Token token=…',
                code: 2006,
              },
            });
            return;
          }
          json(200, {
            source: 'demo fake PagerDuty',
            oncalls: [
              {
                user: { summary: 'Grace Guest' },
                escalation_policy: { summary: 'Platform on-call' },
                escalation_level: 1,
              },
              {
                user: { summary: 'Bob Builder' },
                escalation_policy: { summary: 'Platform on-call' },
                escalation_level: 2,
              },
            ],
          });
        });
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', () => resolve());
        });
        logger.info(
          `Demo fake PagerDuty API listening on http://127.0.0.1:${port}`,
        );
        lifecycle.addShutdownHook(
          () => new Promise<void>(resolve => server.close(() => resolve())),
        );
      },
    });
  },
});
