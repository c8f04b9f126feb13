import { toError } from '@backstage/errors';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  NotificationSendOptions,
  NotificationService,
} from '@backstage/plugin-notifications-node';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import type {
  ReminderRecord,
  ReminderState,
  ReminderStateStore,
} from '../database';

/** A reminder goes out this long before a secret's rotateBy. */
export const DUE_SOON_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * How long a claimed reminder may stay unconfirmed before a later run takes
 * it as never sent (its replica died between claiming and sending). Far
 * longer than one send; shorter than the hourly run.
 */
export const CLAIM_LEASE_MS = 15 * 60 * 1000;

const RANK: Record<ReminderState, number> = { 'due-soon': 1, overdue: 2 };

/** Which reminder a value with this rotateBy deserves at `now`. */
export function reminderStateAt(
  rotateBy: string,
  now: Date,
): ReminderState | undefined {
  const left = Date.parse(rotateBy) - now.getTime();
  if (left <= 0) return 'overdue';
  return left <= DUE_SOON_WINDOW_MS ? 'due-soon' : undefined;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

const ISO_UNITS: Array<[RegExp, string]> = [
  [/^P(?:[^T]*?)(\d+(?:\.\d+)?)Y/, 'year'],
  [/^P(?:[^T]*?)(\d+(?:\.\d+)?)M/, 'month'],
  [/^P(?:[^T]*?)(\d+(?:\.\d+)?)D/, 'day'],
  [/T(?:.*?)(\d+(?:\.\d+)?)H/, 'hour'],
  [/T(?:.*?)(\d+(?:\.\d+)?)M/, 'minute'],
  [/T(?:.*?)(\d+(?:\.\d+)?)S/, 'second'],
];

/** `P90D` → `90 days`, `PT10M` → `10 minutes`, for the notification text. */
export function describeIsoDuration(iso: string): string {
  const parts = ISO_UNITS.flatMap(([pattern, unit]) => {
    const amount = iso.match(pattern)?.[1];
    return amount ? [`${amount} ${unit}${amount === '1' ? '' : 's'}`] : [];
  });
  return parts.length > 0 ? parts.join(' ') : iso;
}

/**
 * The notification of one reminder. It names the secret and the dates, and
 * links to the page; it is built from the summary, which never holds a
 * value.
 */
export function reminderPayload(
  summary: SecretSummary & { rotateBy: string },
  state: ReminderState,
): NotificationSendOptions['payload'] {
  const every = summary.rotateEvery
    ? ` (every ${describeIsoDuration(summary.rotateEvery)})`
    : '';
  const current = `The current value (version ${summary.version}) was set on ${
    summary.updatedAt ? day(summary.updatedAt) : 'an unknown date'
  }${summary.updatedBy ? ` by ${summary.updatedBy}` : ''}.`;
  const overdue = state === 'overdue';
  return {
    title: overdue
      ? `Secret ${summary.name} is overdue for rotation since ${day(
          summary.rotateBy,
        )}`
      : `Secret ${summary.name} is due for rotation by ${day(
          summary.rotateBy,
        )}`,
    description: `${summary.name} is to be replaced with a new value${every} by ${summary.rotateBy}. ${current} Obtain a new value from its provider and set it on the "Manage secrets" page.`,
    link: '/secrets',
    severity: overdue ? 'high' : 'normal',
    topic: 'secrets-rotation',
    // One notification per secret: "overdue" replaces the "due soon" one
    // in the recipients' inbox instead of piling up.
    scope: `secrets-rotation:${summary.name}`,
  };
}

/**
 * The rotation reminder task's work: for every shared secret whose stored
 * value has a rotateBy, works out its state (nothing, due within 7 days,
 * overdue) and notifies the recipients when the state moved forward since
 * the last reminder about that version. The `secret_reminders` table
 * remembers what was sent, so each state is announced once, across
 * restarts and replicas; a new value (a new version) starts over.
 *
 * The row is claimed (compare-and-set) before sending, so two replicas
 * never both send, and confirmed (`sentAt`) once the notification service
 * accepted it; when the send fails the claim is undone and the next run
 * retries. A claim left unconfirmed for {@link CLAIM_LEASE_MS} (its replica
 * died between claim and send, or before confirming) is sent again: at
 * least once, and a repeat only replaces the same notification, whose
 * `scope` names the secret.
 */
export class RotationReminders {
  constructor(
    private readonly options: {
      /** the shared secrets' summaries, with their rotateBy (values/) */
      summaries: { list(): Promise<SecretSummary[]> };
      store: ReminderStateStore;
      notifications: NotificationService;
      /** entity refs (`secrets.reminders.recipients`) */
      recipients: string[];
      logger: LoggerService;
      now?: () => Date;
    },
  ) {}

  async run(): Promise<{ sent: number; failed: number }> {
    const { store } = this.options;
    const now = (this.options.now ?? (() => new Date()))();
    const [summaries, records] = await Promise.all([
      this.options.summaries.list(),
      store.list(),
    ]);
    const recordOf = new Map(records.map(record => [record.name, record]));
    let sent = 0;
    let failed = 0;
    for (const summary of summaries) {
      if (
        summary.scope !== 'shared' ||
        !summary.rotateBy ||
        summary.version === undefined
      ) {
        continue;
      }
      const record = recordOf.get(summary.name);
      recordOf.delete(summary.name);
      let outcome: 'sent' | 'failed' | undefined;
      try {
        outcome = await this.#remind(
          summary as SecretSummary & { rotateBy: string; version: number },
          record,
          now,
        );
      } catch (error) {
        // A store error (it names the operation, never data): the other
        // secrets still get their reminders; this one is retried next run.
        outcome = 'failed';
        this.options.logger.warn(
          `Could not evaluate the rotation reminder for secret ${
            summary.name
          }; it is retried on the next run: ${toError(error).message}`,
        );
      }
      if (outcome === 'sent') sent++;
      if (outcome === 'failed') failed++;
    }
    // Secrets that no longer have a rotateBy (cleared, pinned, interval
    // removed, unregistered): forget their reminder, so a later value
    // starts over.
    for (const stale of recordOf.values()) {
      await store.remove(stale);
    }
    return { sent, failed };
  }

  async #remind(
    summary: SecretSummary & { rotateBy: string; version: number },
    record: ReminderRecord | undefined,
    now: Date,
  ): Promise<'sent' | 'failed' | undefined> {
    const { store, notifications, recipients, logger } = this.options;
    if (record && !record.sentAt) {
      const claimedFor = now.getTime() - Date.parse(record.notifiedAt);
      // Another replica is sending it now.
      if (claimedFor < CLAIM_LEASE_MS) return undefined;
    }
    const due = reminderStateAt(summary.rotateBy, now);
    // A reminder about an earlier version says nothing about this value,
    // and one never confirmed (past its lease) was not sent.
    const reminded =
      record?.version === summary.version && record.sentAt
        ? record.state
        : undefined;
    const stale =
      record !== undefined &&
      (record.version !== summary.version || !record.sentAt);
    if (due === reminded && !stale) return undefined;
    if (!due || (reminded && RANK[due] < RANK[reminded])) {
      // Not due (any more), or less due than announced (the interval was
      // lengthened): nothing to announce; remember the lower state so that
      // becoming overdue again is announced.
      if (!record) return undefined;
      if (due) {
        await store.compareAndSet(record, {
          ...record,
          state: due,
          notifiedAt: now.toISOString(),
        });
      } else {
        await store.remove(record);
      }
      return undefined;
    }

    const claim: ReminderRecord = {
      name: summary.name,
      state: due,
      version: summary.version,
      notifiedAt: now.toISOString(),
    };
    if (!(await store.compareAndSet(record, claim))) {
      return undefined; // another replica got there first
    }
    try {
      await notifications.send({
        recipients: { type: 'entity', entityRef: recipients },
        payload: reminderPayload(summary, due),
      });
    } catch (error) {
      // Undo the claim, so the next run tries again.
      if (record) await store.compareAndSet(claim, record);
      else await store.remove(claim);
      logger.warn(
        `Could not send the rotation reminder '${due}' for secret ${
          summary.name
        }; it is retried on the next run. Is @backstage/plugin-notifications-backend installed? ${
          toError(error).name
        }: ${toError(error).message}`,
      );
      return 'failed';
    }
    logger.info(
      `Sent the rotation reminder '${due}' for secret ${
        summary.name
      } (rotate by ${summary.rotateBy}) to ${recipients.join(', ')}`,
    );
    try {
      // Confirmed: no later run sends it again.
      await store.compareAndSet(claim, {
        ...claim,
        sentAt: now.toISOString(),
      });
    } catch (error) {
      logger.warn(
        `Could not record that the rotation reminder '${due}' for secret ${
          summary.name
        } was sent; it may be sent once more after ${
          CLAIM_LEASE_MS / 60_000
        } minutes: ${toError(error).message}`,
      );
    }
    return 'sent';
  }
}
