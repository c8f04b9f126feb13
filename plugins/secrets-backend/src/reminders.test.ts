import {
  coreServices,
  createBackendModule,
  createServiceFactory,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import {
  NotificationSendOptions,
  notificationService,
} from '@backstage/plugin-notifications-node';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import request from 'supertest';
import { plantCanary } from './__testUtils__/canaries';
import { createTestDatabases } from './__testUtils__/databases';
import { CALLER_HEADERS } from './__testUtils__/hostileHttp';
import { startSecretsBackend } from './__testUtils__/testBackend';

jest.setTimeout(180_000);

const databases = createTestDatabases();
const DAY = 86_400_000;
const OPENAI_CANARY = plantCanary('sk-rotation-canary-81b3f0');
const PAGERDUTY_CANARY = plantCanary('pd-rotation-canary-27c9aa');

/**
 * The plugin as installed, with its real stores, router and scheduled task;
 * only the notification service (another plugin's) is a fake, and the test
 * triggers the task through the (mock) scheduler instead of waiting an hour.
 */
describe.each(databases.eachSupportedId())(
  'rotation reminders and the unused report on %p',
  databaseId => {
    async function start() {
      const knex = await databases.init(databaseId);
      const sent: NotificationSendOptions[] = [];
      let scheduler: SchedulerService | undefined;
      const started = await startSecretsBackend({
        knex,
        definitions: [
          { name: 'OPENAI_API_KEY', rotateEvery: { days: 90 } },
          { name: 'PAGERDUTY_TOKEN', rotateEvery: { days: 365 } },
          { name: 'NO_ROTATION' },
        ],
        config: {
          secrets: {
            // config wins over the definition's 365 days
            rotation: { PAGERDUTY_TOKEN: '30 days' },
            reminders: {
              recipients: ['group:default/platform', 'user:default/carol'],
            },
          },
        },
        features: [
          createServiceFactory({
            service: notificationService,
            deps: {},
            factory: () => ({
              async send(options: NotificationSendOptions) {
                sent.push(options);
              },
            }),
          }),
          createBackendModule({
            pluginId: 'secrets',
            moduleId: 'test-scheduler-handle',
            register(reg) {
              reg.registerInit({
                deps: { s: coreServices.scheduler },
                async init({ s }) {
                  scheduler = s;
                },
              });
            },
          }),
        ],
      });
      const put = (name: string, value: string) =>
        request(started.server)
          .put(`/api/secrets/secrets/${name}`)
          .set('Authorization', CALLER_HEADERS.admin)
          .send({ value });
      const list = async () => {
        const res = await request(started.server)
          .get('/api/secrets/secrets')
          .set('Authorization', CALLER_HEADERS.admin);
        expect(res.status).toBe(200);
        expect(res.text).not.toContain(OPENAI_CANARY);
        expect(res.text).not.toContain(PAGERDUTY_CANARY);
        return Object.fromEntries(
          (res.body.items as SecretSummary[]).map(item => [item.name, item]),
        );
      };
      /** Moves a stored value's set time into the past, as if set then. */
      const setAgo = (name: string, days: number) =>
        knex('secrets')
          .where({ name })
          .update({
            updated_at: new Date(Date.now() - days * DAY).toISOString(),
          });
      const runTask = () =>
        scheduler!.triggerTask('secrets-rotation-reminders');
      return { ...started, knex, sent, put, list, setAgo, runTask };
    }

    it('puts rotateEvery, rotateBy and unused on the summaries', async () => {
      const t = await start();
      expect((await t.put('OPENAI_API_KEY', OPENAI_CANARY)).status).toBe(200);
      expect((await t.put('PAGERDUTY_TOKEN', PAGERDUTY_CANARY)).status).toBe(
        200,
      );

      let items = await t.list();
      const openai = items.OPENAI_API_KEY;
      expect(openai.rotateEvery).toBe('P90D');
      expect(openai.rotateBy).toBe(
        new Date(Date.parse(openai.updatedAt!) + 90 * DAY).toISOString(),
      );
      expect(openai.unused).toBeUndefined();
      expect(items.PAGERDUTY_TOKEN.rotateEvery).toBe('P30D');
      expect(items.NO_ROTATION).not.toHaveProperty('rotateEvery');
      // unset: nothing to rotate
      expect(items.NO_ROTATION).not.toHaveProperty('rotateBy');

      // Set 100 days ago and never read: unused, and overdue.
      await t.setAgo('OPENAI_API_KEY', 100);
      items = await t.list();
      expect(items.OPENAI_API_KEY.unused).toBe(true);
      expect(Date.parse(items.OPENAI_API_KEY.rotateBy!)).toBeLessThan(
        Date.now(),
      );
      expect(items.PAGERDUTY_TOKEN.unused).toBeUndefined();

      // A plugin reads it: no longer unused (the read shows at once).
      const read = await request(t.server)
        .get('/api/secrets/secrets/OPENAI_API_KEY/value')
        .set('Authorization', CALLER_HEADERS.plugin);
      expect(read.status).toBe(200);
      items = await t.list();
      expect(items.OPENAI_API_KEY.unused).toBeUndefined();
    });

    it('notifies the configured recipients once per state change', async () => {
      const t = await start();
      await t.put('OPENAI_API_KEY', OPENAI_CANARY);
      await t.put('PAGERDUTY_TOKEN', PAGERDUTY_CANARY);

      await t.runTask();
      expect(t.sent).toEqual([]);

      await t.setAgo('OPENAI_API_KEY', 95); // 90 days: overdue
      await t.setAgo('PAGERDUTY_TOKEN', 25); // 30 days: due in 5
      await t.runTask();
      await t.runTask();
      expect(t.sent).toHaveLength(2);
      for (const notification of t.sent) {
        expect(notification.recipients).toEqual({
          type: 'entity',
          entityRef: ['group:default/platform', 'user:default/carol'],
        });
        expect(notification.payload.link).toBe('/secrets');
        expect(notification.payload.topic).toBe('secrets-rotation');
      }
      const byScope = Object.fromEntries(
        t.sent.map(n => [n.payload.scope, n.payload]),
      );
      expect(byScope['secrets-rotation:OPENAI_API_KEY']).toEqual(
        expect.objectContaining({
          severity: 'high',
          title: expect.stringMatching(/^Secret OPENAI_API_KEY is overdue/),
        }),
      );
      expect(byScope['secrets-rotation:PAGERDUTY_TOKEN']).toEqual(
        expect.objectContaining({
          severity: 'normal',
          title: expect.stringMatching(
            /^Secret PAGERDUTY_TOKEN is due for rotation by \d{4}-\d{2}-\d{2}$/,
          ),
        }),
      );

      // A new value resets: nothing more to announce.
      await t.put('OPENAI_API_KEY', 'sk-rotated-value');
      await t.runTask();
      expect(t.sent).toHaveLength(2);

      const emitted = JSON.stringify(t.sent) + t.logs.text();
      expect(emitted).not.toContain(OPENAI_CANARY);
      expect(emitted).not.toContain(PAGERDUTY_CANARY);
      expect(emitted).not.toContain('sk-rotated-value');
    });
  },
);
