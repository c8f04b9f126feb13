import {
  AuditorService,
  AuthService,
  LoggerService,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  RootConfigService,
  SchedulerService,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { readDurationFromConfig } from '@backstage/config';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { durationToMilliseconds, HumanDuration } from '@backstage/types';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type { ReminderStateStore } from '../database/ReminderStateStore';
import type { UserSecretsStore } from '../database/UserSecretsStore';
import type { KeyRotation } from './KeyRotation';
import { readReminderRecipients, RotationReminders } from './RotationReminders';
import type { SecretsManager } from './SecretsManager';
import { deleteOrphanedUserSecrets } from './userSecretOrphans';

const DEFAULT_ROTATION_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 1 },
  timeout: { minutes: 15 },
  initialDelay: { seconds: 5 },
};

const DEFAULT_REMINDER_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { hours: 1 },
  timeout: { minutes: 5 },
  initialDelay: { minutes: 1 },
};

/** The rotation reminder task's schedule: `secrets.reminders.schedule`, or hourly. */
export function reminderSchedule(
  config: RootConfigService,
): SchedulerServiceTaskScheduleDefinition {
  const schedule = config.getOptionalConfig('secrets.reminders.schedule');
  return schedule
    ? readSchedulerServiceTaskScheduleDefinitionFromConfig(schedule)
    : DEFAULT_REMINDER_SCHEDULE;
}

/** A duration from config (`{ days: 30 }` or ISO 8601 `P30D`), or the default. */
export function readDurationOr(
  config: RootConfigService,
  key: string,
  fallback: HumanDuration,
): HumanDuration {
  return config.has(key) ? readDurationFromConfig(config, { key }) : fallback;
}

/**
 * The re-encryption task's schedule: `secrets.encryption.rotation.schedule`
 * (a scheduler task definition), or the deprecated
 * `secrets.encryption.rotation.frequency` alone.
 */
export function rotationSchedule(
  config: RootConfigService,
): SchedulerServiceTaskScheduleDefinition {
  const schedule = config.getOptionalConfig(
    'secrets.encryption.rotation.schedule',
  );
  if (schedule) {
    return readSchedulerServiceTaskScheduleDefinitionFromConfig(schedule);
  }
  return {
    ...DEFAULT_ROTATION_SCHEDULE,
    frequency: readDurationOr(config, 'secrets.encryption.rotation.frequency', {
      minutes: 1,
    }),
  };
}

/** The plugin's background tasks, each run by one replica at a time. */
export async function scheduleSecretsTasks(options: {
  config: RootConfigService;
  scheduler: SchedulerService;
  rotation: KeyRotation;
  userStore: UserSecretsStore;
  catalog: CatalogService;
  auth: AuthService;
  auditor: AuditorService;
  logger: LoggerService;
  manager: SecretsManager;
  reminderStore: ReminderStateStore;
  notifications: NotificationService;
}): Promise<void> {
  const { config, scheduler, rotation } = options;

  // Rotation reminders: a notification when a stored value is due within 7
  // days and when it is overdue, once per state change (the state is kept
  // in the database, so restarts and replicas do not repeat it).
  const reminders = new RotationReminders({
    manager: options.manager,
    store: options.reminderStore,
    notifications: options.notifications,
    recipients: readReminderRecipients(config),
    logger: options.logger,
  });
  await scheduler.scheduleTask({
    id: 'secrets-rotation-reminders',
    ...reminderSchedule(config),
    fn: async () => {
      await reminders.run();
    },
  });

  // Re-encrypts rows under older keys after a key rotation; each row update
  // is compare-and-set anyway.
  await scheduler.scheduleTask({
    id: 'secrets-reencrypt',
    ...rotationSchedule(config),
    fn: async abortSignal => {
      await rotation.run(abortSignal);
    },
  });

  // Users' values outlive their owner in the catalog only for a grace
  // period, so that a short catalog outage or a re-import deletes nothing.
  const gracePeriodMs = durationToMilliseconds(
    readDurationOr(config, 'secrets.userSecrets.orphanGracePeriod', {
      days: 30,
    }),
  );
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
}
