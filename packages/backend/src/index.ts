/*
 * The Backstage Secrets demo backend: the secrets plugin plus just enough of
 * Backstage (app, auth, catalog, permissions) to use and show it.
 */
import { createBackend } from '@backstage/backend-defaults';
import { secretsRootConfigServiceFactory } from '@backstage-secrets/plugin-secrets-backend';
import { permissionModuleDemoPolicy } from './modules/permissionPolicy';
import { secretsModuleExampleSecrets } from './modules/exampleSecrets';
import { secretsModuleCheckedSecrets } from './modules/checkedSecrets';
import { secretsModuleSyntheticSecrets } from './modules/syntheticSecrets';
import { exampleConsumerPlugin } from './plugins/exampleConsumer';
import { fakePagerDutyPlugin } from './plugins/fakePagerDuty';

const backend = createBackend();

// The root config with stored secrets (optional): `${NAME}` in app-config
// reads the environment variable, else the stored secret NAME declared with
// appConfig: true (at secret keys only). See docs/operators.md, "Moving
// existing credentials into the store".
backend.add(secretsRootConfigServiceFactory());

backend.add(import('@backstage/plugin-app-backend'));

// Sign-in: the guest provider, resolved to a catalog user (see app-config.yaml).
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

backend.add(import('@backstage/plugin-catalog-backend'));

// A real policy: manage-secrets for the admins group only.
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(permissionModuleDemoPolicy);

// Backstage Secrets, the secrets an example plugin needs, and that plugin.
backend.add(import('@backstage-secrets/plugin-secrets-backend'));
// The event bus: carries secrets.changed to every replica (through the
// database on PostgreSQL), so readers drop a changed value at once.
backend.add(import('@backstage/plugin-events-backend'));
backend.add(secretsModuleExampleSecrets);
backend.add(exampleConsumerPlugin);

// The proxy, and proxy endpoints whose headers carry stored secrets
// (secrets.proxy.endpoints in app-config.yaml): /api/proxy/pagerduty-demo
// sends PAGERDUTY_API_TOKEN to a fake PagerDuty that the demo starts on
// 127.0.0.1 (demo.fakePagerDuty.port), as there is no internet here.
backend.add(import('@backstage/plugin-proxy-backend'));
backend.add(import('@backstage-secrets/plugin-proxy-backend-module-secrets'));
backend.add(fakePagerDutyPlugin);
// A secret whose value is checked with (the fake) PagerDuty before it is
// saved, and when an admin presses "Test": PAGERDUTY_USER_API_KEY.
backend.add(secretsModuleCheckedSecrets);

// The MCP actions backend: AI agents (MCP clients) list the secrets plugin's
// actions (list-secrets, check-secret) at /api/mcp-actions/v1, as the
// signed-in user (backend.actions.pluginSources in app-config.yaml).
backend.add(import('@backstage/plugin-mcp-actions-backend'));

// Notifications: where the secrets plugin's rotation reminders land, for
// the members of secrets.reminders.recipients (GET /api/notifications).
backend.add(import('@backstage/plugin-notifications-backend'));

// Demo and performance tests only: registers nothing unless
// demo.syntheticSecrets.count is set (see the module).
backend.add(secretsModuleSyntheticSecrets);

backend.start();
