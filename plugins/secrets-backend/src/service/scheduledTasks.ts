import type {
  AuditorService,
  AuthService,
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type { SecretsConfig } from '../config';
import type { ReminderStateStore, UserSecretsStore } from '../database';
import {
  deleteOrphanedEntitySecrets,
  type EntitySecretsStore,
} from '../entitySecrets';
import type { KeyReencryption } from '../keys';
import { RotationReminders } from '../reminders';
import { deleteOrphanedUserSecrets } from '../userSecrets';
import type { SecretSummaries } from '../values';

/** The plugin's background tasks, each run by one replica at a time. */
export async function scheduleSecretsTasks(options: {
  config: Pick<
    SecretsConfig,
    | 'reminderRecipients'
    | 'reminderSchedule'
    | 'reencryptionSchedule'
    | 'userSecretOrphanGracePeriodMs'
    | 'entitySecretOrphanGracePeriodMs'
  >;
  scheduler: SchedulerService;
  reencryption: KeyReencryption;
  userStore: UserSecretsStore;
  /** entities' own values; without it, no orphan task for them */
  entityStore?: EntitySecretsStore;
  catalog: CatalogService;
  auth: AuthService;
  auditor: AuditorService;
  logger: LoggerService;
  summaries: Pick<SecretSummaries, 'list'>;
  reminderStore: ReminderStateStore;
  notifications: NotificationService;
}): Promise<void> {
  const { config, scheduler, reencryption } = options;

  // Rotation reminders: a notification when a stored value is due within 7
  // days and when it is overdue, once per state change (the state is kept
  // in the database, so restarts and replicas do not repeat it).
  const reminders = new RotationReminders({
    summaries: options.summaries,
    store: options.reminderStore,
    notifications: options.notifications,
    recipients: config.reminderRecipients(),
    logger: options.logger,
  });
  await scheduler.scheduleTask({
    id: 'secrets-rotation-reminders',
    ...config.reminderSchedule(),
    fn: async () => {
      await reminders.run();
    },
  });

  // Re-encrypts rows under older keys after a key rotation; each row update
  // is compare-and-set anyway.
  await scheduler.scheduleTask({
    id: 'secrets-reencrypt',
    ...config.reencryptionSchedule(),
    fn: async abortSignal => {
      await reencryption.run(abortSignal);
    },
  });

  // Users' values outlive their owner in the catalog only for a grace
  // period, so that a short catalog outage or a re-import deletes nothing.
  const gracePeriodMs = config.userSecretOrphanGracePeriodMs();
  await scheduler.scheduleTask({
    id: 'secrets-user-orphans',
    frequency: { hours: 1 },
    timeout: { minutes: 10 },
    initialDelay: { minutes: 5 },
    fn: async () => {
      await deleteOrphanedUserSecrets({
        store: options.userStore,
        catalog: options.catalog,
        auth: options.auth,
        auditor: options.auditor,
        logger: options.logger,
        gracePeriodMs,
      });
    },
  });

  // Entities' own values outlive their entity in the catalog for a grace
  // period (a rename or a re-import may bring it back), then go, audited.
  const { entityStore } = options;
  if (entityStore) {
    const entityGracePeriodMs = config.entitySecretOrphanGracePeriodMs();
    await scheduler.scheduleTask({
      id: 'secrets-entity-orphans',
      frequency: { hours: 1 },
      timeout: { minutes: 10 },
      initialDelay: { minutes: 5 },
      fn: async () => {
        await deleteOrphanedEntitySecrets({
          store: entityStore,
          catalog: options.catalog,
          auth: options.auth,
          auditor: options.auditor,
          logger: options.logger,
          gracePeriodMs: entityGracePeriodMs,
        });
      },
    });
  }
}
