import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { secretsExtensionPoint } from '@backstage-secrets/plugin-secrets-node';
import { FAKE_PAGERDUTY_PORT_KEY } from '../plugins/fakePagerDuty';

/**
 * A secret with a check (`validate`): before a value is saved, and when an
 * admin presses "Test", the value is tried against PagerDuty's "who am I"
 * endpoint, `GET /users/me`; here the demo's fake PagerDuty, which accepts
 * one key only (DEMO_PAGERDUTY_USER_KEY). Without the fake
 * (demo.fakePagerDuty.port unset) the secret has no check.
 */
export const secretsModuleCheckedSecrets = createBackendModule({
  pluginId: 'secrets',
  moduleId: 'checked-secrets',
  register(reg) {
    reg.registerInit({
      deps: {
        secrets: secretsExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ secrets, config }) {
        const port = config.getOptionalNumber(FAKE_PAGERDUTY_PORT_KEY);
        const baseUrl = `http://127.0.0.1:${port}`;
        secrets.registerSecrets({
          name: 'PAGERDUTY_USER_API_KEY',
          description:
            'A PagerDuty **user** API key. It is checked with PagerDuty (`GET /users/me`) before it is saved and when you press Test; in the demo that is a fake PagerDuty that accepts one key only (see the demo backend README).',
          obtainUrl:
            'https://support.pagerduty.com/main/docs/api-access-keys#generate-a-user-token-rest-api-key',
          obtainLabel: 'Create a PagerDuty user API key',
          validate:
            port === undefined
              ? undefined
              : async (value, { signal }) => {
                  const res = await fetch(`${baseUrl}/users/me`, {
                    headers: {
                      Accept: 'application/json',
                      Authorization: `Token token=${value}`,
                    },
                    // Aborted when secrets.validation.timeout is over.
                    signal,
                  });
                  if (res.ok) return { ok: true };
                  const body = (await res.json().catch(() => undefined)) as
                    | { error?: { message?: string } }
                    | undefined;
                  // PagerDuty's own message (it never quotes the key; the
                  // secrets plugin withholds any message that does).
                  return {
                    ok: false,
                    message: `PagerDuty refused the key (HTTP ${res.status}): ${
                      body?.error?.message ?? res.statusText
                    }`,
                  };
                },
        });
      },
    });
  },
});
