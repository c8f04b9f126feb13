import type { NotificationSendOptions } from '@backstage/plugin-notifications-node';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { generateEncryptionKey, Keyring, SecretCipher } from '../crypto';
import { DatabaseSecretsStore, ReminderStateStore } from '../database';
import { SecretsRegistry } from '../registry';
import { plantCanary } from '../__testUtils__/canaries';
import { LogCapture } from '../__testUtils__/capturingLogger';
import { createTestDatabases } from '../__testUtils__/databases';
import { testSharedSecrets } from '../__testUtils__/sharedSecrets';
import {
  CLAIM_LEASE_MS,
  describeIsoDuration,
  RotationReminders,
} from './RotationReminders';

jest.setTimeout(120_000);

const databases = createTestDatabases();
const KEY = { id: 'k1', secret: generateEncryptionKey() };
const ADMIN = 'user:default/alice';
const NAME = 'ROTATED_TOKEN';
const CANARY = plantCanary('sk-reminder-canary-5d0c7e19');
const DAY = 86_400_000;

describe.each(databases.eachSupportedId())(
  'RotationReminders on %p',
  databaseId => {
    /**
     * One replica: the real shared-secret service and stores on the shared database, a
     * fake notification service (outside the system under test) and an
     * explicit clock.
     */
    async function setup() {
      const knex = await databases.init(databaseId);
      await DatabaseSecretsStore.migrate(knex);
      const store = new DatabaseSecretsStore(knex);
      const logs = new LogCapture();
      const sent: NotificationSendOptions[] = [];
      const send = jest.fn(async (options: NotificationSendOptions) => {
        sent.push(options);
      });
      let now = new Date();
      function replica() {
        const registry = new SecretsRegistry();
        registry.register('RotationReminders.test.ts', [
          { name: NAME, rotateEvery: { days: 30 } },
          { name: 'NOT_ROTATED' },
        ]);
        registry.close();
        const logger = logs.logger();
        const { summaries, writes } = testSharedSecrets({
          store,
          registry,
          cipher: new SecretCipher(Keyring.fromSecrets([KEY])),
          logger,
        });
        const reminders = new RotationReminders({
          summaries,
          store: new ReminderStateStore(knex),
          notifications: { send },
          recipients: ['group:default/admins'],
          logger,
          now: () => now,
        });
        return { writes, reminders };
      }
      const { writes, reminders } = replica();
      /** Sets a value and returns its rotateBy (updatedAt + 30 days). */
      async function setValue(value: string) {
        const summary = await writes.set({ name: NAME, value, actor: ADMIN });
        await writes.set({ name: 'NOT_ROTATED', value, actor: ADMIN });
        return Date.parse(summary.rotateBy!);
      }
      return {
        knex,
        logs,
        send,
        sent,
        writes,
        reminders,
        replica,
        setValue,
        setNow: (at: number) => {
          now = new Date(at);
        },
      };
    }

    it('announces due-soon once, then overdue once, and a new value starts over', async () => {
      const t = await setup();
      const rotateBy = await t.setValue(CANARY);

      t.setNow(rotateBy - 8 * DAY);
      expect(await t.reminders.run()).toEqual({ sent: 0, failed: 0 });

      t.setNow(rotateBy - 6 * DAY);
      expect(await t.reminders.run()).toEqual({ sent: 1, failed: 0 });
      expect(t.sent[0]).toEqual({
        recipients: { type: 'entity', entityRef: ['group:default/admins'] },
        payload: expect.objectContaining({
          title: `Secret ${NAME} is due for rotation by ${new Date(rotateBy)
            .toISOString()
            .slice(0, 10)}`,
          link: '/secrets',
          severity: 'normal',
          topic: 'secrets-rotation',
          scope: `secrets-rotation:${NAME}`,
        }),
      });
      expect(t.sent[0].payload.description).toContain(
        new Date(rotateBy).toISOString(),
      );
      expect(t.sent[0].payload.description).toContain('(every 30 days)');

      // Later runs in the same state send nothing, also from a fresh
      // instance (a restart or another replica): the state is stored.
      t.setNow(rotateBy - 1 * DAY);
      expect(await t.reminders.run()).toEqual({ sent: 0, failed: 0 });
      expect(await t.replica().reminders.run()).toEqual({
        sent: 0,
        failed: 0,
      });

      t.setNow(rotateBy + 1);
      expect(await t.reminders.run()).toEqual({ sent: 1, failed: 0 });
      expect(t.sent[1].payload).toEqual(
        expect.objectContaining({
          title: expect.stringContaining(`Secret ${NAME} is overdue`),
          severity: 'high',
        }),
      );
      t.setNow(rotateBy + 20 * DAY);
      expect(await t.reminders.run()).toEqual({ sent: 0, failed: 0 });
      expect(t.send).toHaveBeenCalledTimes(2);

      // A new value (a new version) resets the state: nothing is due now,
      // and its own due-soon is announced again in time.
      const nextRotateBy = await t.setValue('a-new-value');
      t.setNow(nextRotateBy - 30 * DAY);
      expect(await t.reminders.run()).toEqual({ sent: 0, failed: 0 });
      expect(await t.knex('secret_reminders').select()).toEqual([]);
      t.setNow(nextRotateBy - 2 * DAY);
      expect(await t.reminders.run()).toEqual({ sent: 1, failed: 0 });
      expect(t.sent[2].payload.severity).toBe('normal');

      // Never a value in what was sent or logged.
      const emitted = JSON.stringify(t.sent) + t.logs.text();
      expect(emitted).not.toContain(CANARY);
      expect(emitted).not.toContain('a-new-value');
    });

    it('announces only overdue when a value is found overdue at once', async () => {
      const t = await setup();
      const rotateBy = await t.setValue(CANARY);
      t.setNow(rotateBy + 5 * DAY);
      expect(await t.reminders.run()).toEqual({ sent: 1, failed: 0 });
      expect(t.sent.map(s => s.payload.severity)).toEqual(['high']);
    });

    it('retries a failed send on the next run and logs the failure without values', async () => {
      const t = await setup();
      const rotateBy = await t.setValue(CANARY);
      t.setNow(rotateBy - 3 * DAY);
      t.send.mockRejectedValueOnce(
        new Error('connect ECONNREFUSED 127.0.0.1:7007'),
      );
      expect(await t.reminders.run()).toEqual({ sent: 0, failed: 1 });
      expect(t.logs.matching(/Could not send the rotation reminder/)).toEqual([
        expect.stringContaining(`'due-soon' for secret ${NAME}`),
      ]);
      // Not recorded as sent: the next run sends it.
      expect(await t.reminders.run()).toEqual({ sent: 1, failed: 0 });
      expect(await t.reminders.run()).toEqual({ sent: 0, failed: 0 });
      expect(t.send).toHaveBeenCalledTimes(2);

      // A failure after an earlier reminder keeps that earlier state.
      t.setNow(rotateBy + 1);
      t.send.mockRejectedValueOnce(new Error('notifications unavailable'));
      expect(await t.reminders.run()).toEqual({ sent: 0, failed: 1 });
      expect(await t.knex('secret_reminders').select('state')).toEqual([
        { state: 'due-soon' },
      ]);
      expect(await t.reminders.run()).toEqual({ sent: 1, failed: 0 });
      expect(t.logs.text()).not.toContain(CANARY);
    });

    it('sends once when two replicas run at the same moment', async () => {
      const t = await setup();
      const rotateBy = await t.setValue(CANARY);
      t.setNow(rotateBy + 1);
      const results = await Promise.all([
        t.replica().reminders.run(),
        t.replica().reminders.run(),
        t.reminders.run(),
      ]);
      expect(results.reduce((sum, r) => sum + r.sent, 0)).toBe(1);
      expect(t.send).toHaveBeenCalledTimes(1);
    });

    it('sends again a reminder whose replica died before sending it, once its claim has expired', async () => {
      const t = await setup();
      const rotateBy = await t.setValue(CANARY);
      const { version } = await t.knex('secrets').where({ name: NAME }).first();
      // A replica claimed "overdue" and died before sending: no sent_at.
      const claimedAt = rotateBy + 1;
      await new ReminderStateStore(t.knex).compareAndSet(undefined, {
        name: NAME,
        state: 'overdue',
        version: Number(version),
        notifiedAt: new Date(claimedAt).toISOString(),
      });

      // Within the lease that replica may still be sending it.
      t.setNow(claimedAt + CLAIM_LEASE_MS - 1);
      expect(await t.reminders.run()).toEqual({ sent: 0, failed: 0 });
      expect(t.send).not.toHaveBeenCalled();

      // After it, the reminder is sent, and confirmed.
      t.setNow(claimedAt + CLAIM_LEASE_MS + 1);
      expect(await t.reminders.run()).toEqual({ sent: 1, failed: 0 });
      expect(t.sent.map(s => s.payload.severity)).toEqual(['high']);
      expect(
        await t.knex('secret_reminders').select('state', 'sent_at'),
      ).toEqual([
        {
          state: 'overdue',
          sent_at: new Date(claimedAt + CLAIM_LEASE_MS + 1).toISOString(),
        },
      ]);
      // Confirmed: never again for this value.
      t.setNow(claimedAt + 10 * CLAIM_LEASE_MS);
      expect(await t.reminders.run()).toEqual({ sent: 0, failed: 0 });
      expect(t.send).toHaveBeenCalledTimes(1);
    });

    it('forgets the state of a cleared value', async () => {
      const t = await setup();
      const rotateBy = await t.setValue(CANARY);
      t.setNow(rotateBy + 1);
      expect(await t.reminders.run()).toEqual({ sent: 1, failed: 0 });
      await t.writes.clear(NAME, ADMIN);
      expect(await t.reminders.run()).toEqual({ sent: 0, failed: 0 });
      expect(await t.knex('secret_reminders').select()).toEqual([]);
    });
  },
);

describe('describeIsoDuration', () => {
  it.each([
    ['P90D', '90 days'],
    ['PT10M', '10 minutes'],
    ['P1Y6M', '1 year 6 months'],
    ['P1DT1H30M5.5S', '1 day 1 hour 30 minutes 5.5 seconds'],
    ['PT0S', '0 seconds'],
  ])('%s → %s', (iso, text) => {
    expect(describeIsoDuration(iso)).toBe(text);
  });
});

describe.each(databases.eachSupportedId())(
  'the reminder delivery migration on %p',
  databaseId => {
    it('confirms the reminders recorded before it at their notification time', async () => {
      const knex = await databases.init(databaseId);
      const directory = resolvePackagePath(
        '@backstage-secrets/plugin-secrets-backend',
        'migrations',
      );
      const tableName = 'secrets_knex_migrations';
      // Every migration before this one.
      for (let i = 0; i < 6; i++) {
        await knex.migrate.up({ directory, tableName });
      }
      await knex('secret_reminders').insert({
        name: NAME,
        state: 'due-soon',
        version: 3,
        notified_at: '2026-11-01T00:00:00.000Z',
      });
      await DatabaseSecretsStore.migrate(knex);
      expect(await new ReminderStateStore(knex).list()).toEqual([
        {
          name: NAME,
          state: 'due-soon',
          version: 3,
          notifiedAt: '2026-11-01T00:00:00.000Z',
          sentAt: '2026-11-01T00:00:00.000Z',
        },
      ]);
    });
  },
);
