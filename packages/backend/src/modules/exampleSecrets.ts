import { createBackendModule } from '@backstage/backend-plugin-api';
import { secretsExtensionPoint } from '@backstage-secrets/plugin-secrets-node';

/**
 * Registers the secrets the demo's plugins need, as a plugin author would:
 * a module of the `secrets` plugin that uses its extension point.
 */
export const secretsModuleExampleSecrets = createBackendModule({
  pluginId: 'secrets',
  moduleId: 'example-secrets',
  register(reg) {
    reg.registerInit({
      deps: { secrets: secretsExtensionPoint },
      async init({ secrets }) {
        secrets.registerSecrets(
          {
            name: 'OPENAI_API_KEY',
            description:
              'Used by the **example consumer** plugin to call the OpenAI API. Create a key with *restricted* permissions for this Backstage instance.',
            obtainUrl: 'https://platform.openai.com/api-keys',
            obtainLabel: 'Get an OpenAI API key',
            // Only the example consumer plugin (pluginId 'example-consumer')
            // may read it; the other two are open to any backend plugin.
            readers: ['example-consumer'],
            // The page shows "rotate by" (90 days after each new value),
            // and admins are notified a week before and once overdue.
            rotateEvery: { days: 90 },
          },
          {
            name: 'GOOGLE_SERVICE_ACCOUNT_JSON',
            description:
              'The JSON key of a Google Cloud service account, for reading project metadata. Paste the whole downloaded key file.',
            obtainUrl: 'https://cloud.google.com/iam/docs/keys-create-delete',
            obtainLabel: 'Create a service account key',
            format: 'json',
          },
          {
            name: 'PAGERDUTY_API_TOKEN',
            description:
              'A read-only PagerDuty REST API token, for showing on-call information. The proxy endpoint `/api/proxy/pagerduty-demo` sends it as `Authorization: Token token=…` (see `secrets.proxy.endpoints` in app-config.yaml).',
            obtainUrl:
              'https://support.pagerduty.com/main/docs/api-access-keys',
            obtainLabel: 'Create a PagerDuty API key',
            // No readers: any backend plugin, the proxy included. An
            // operator narrows it with secrets.readers.PAGERDUTY_API_TOKEN:
            // [proxy].
          },
          {
            // Per user: each signed-in user sets their own on "My secrets"
            // (/settings/secrets) and allows the example consumer to use it;
            // admins never see these values.
            name: 'PERSONAL_OPENAI_API_KEY',
            scope: 'user',
            description:
              "Your **own** OpenAI API key, so that the example consumer calls OpenAI as you and the usage is billed to your account. See [OpenAI's key safety guide](https://help.openai.com/en/articles/5112595-best-practices-for-api-key-safety).",
            obtainUrl: 'https://platform.openai.com/api-keys',
            obtainLabel: 'Create your OpenAI API key',
            readers: ['example-consumer'],
          },
          {
            // Per catalog entity: each component's owners set its own DSN on
            // the component's "Secrets" tab; an admin may set a default on
            // "Manage secrets". The example consumer reads it for the
            // component whose page the user is on.
            name: 'SENTRY_DSN',
            scope: 'entity',
            entityKinds: ['Component'],
            description:
              "The component's **Sentry DSN**, so that the example consumer reports its errors to the component's own Sentry project.",
            obtainUrl:
              'https://docs.sentry.io/concepts/key-terms/dsn-explainer/',
            obtainLabel: 'Find your Sentry DSN',
            readers: ['example-consumer'],
          },
        );
      },
    });
  },
});
