import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import notificationsPlugin from '@backstage/plugin-notifications/alpha';
import orgPlugin from '@backstage/plugin-org/alpha';
import userSettingsPlugin from '@backstage/plugin-user-settings/alpha';
import secretsPlugin from '@backstage-secrets/plugin-secrets/alpha';
import { exampleConsumerPlugin } from './modules/exampleConsumer';
import { navModule } from './modules/nav';
import { pagerDutyDemoPlugin } from './modules/pagerDutyDemo';

export default createApp({
  features: [
    catalogPlugin,
    orgPlugin,
    // The inbox of the secrets plugin's rotation reminders (/notifications).
    notificationsPlugin,
    userSettingsPlugin,
    secretsPlugin,
    exampleConsumerPlugin,
    navModule,
    pagerDutyDemoPlugin,
  ],
});
