import { CustomErrorBase, isError, toError } from '@backstage/errors';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  SecretSource,
  SecretSummary,
} from '@backstage-secrets/plugin-secrets-common';
import type { SecretCheckRecord, SecretChecksStore } from '../database';
import type { SecretValidator } from '../registry';
import { quotesValue } from './quotesValue';

/**
 * A value that the secret's own check (its definition's `validate`) did
 * not accept, or whose check failed or did not finish in time: nothing was
 * stored. Backstage's error handler answers with the error's `statusCode`:
 * 422. The message never contains the value (see SecretChecks).
 */
export class SecretCheckFailedError extends CustomErrorBase {
  name = 'SecretCheckFailedError' as const;
  // A getter, not a field: the error handler reads it, but it is no own
  // property, so the body stays the standard { error: { name, message } }.
  get statusCode(): number {
    return 422;
  }
}

/** The outcome of running a definition's check on one value. */
export interface CheckOutcome {
  ok: boolean;
  /** why it failed, for admins; never the value */
  message?: string;
}

/** Provider messages are shown as they are, up to this length. */
const MAX_MESSAGE_LENGTH = 500;

/** e.g. `10 s`, `1.5 s`, `250 ms`. */
export function formatMilliseconds(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(3))} s` : `${ms} ms`;
}

/**
 * Runs secrets' own checks (`SecretDefinition.validate`) time-boxed by
 * `secrets.validation.timeout`, turns every way a check can go wrong into a
 * message that is safe to show (never the value, never a thrown error's
 * text), and keeps the last outcome of each secret.
 */
export class SecretChecks {
  readonly timeoutMs: number;
  /**
   * When this instance started: a pin can only change with a restart, so
   * a check of a pinned value from before it may be of another value.
   */
  readonly startedAt = new Date().toISOString();

  constructor(
    private readonly options: {
      store: SecretChecksStore;
      logger: LoggerService;
      /** the time box (`secrets.validation.timeout`); default 10 s */
      timeoutMs?: number;
    },
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * Runs a check on a value. Never throws for what the check does: a
   * failure, a thrown error and a timeout are all outcomes with a message.
   */
  async run(
    name: string,
    validate: SecretValidator,
    value: string,
  ): Promise<CheckOutcome> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>(resolve => {
      timer = setTimeout(() => {
        // Settle first, then abort: a check that rejects as soon as its
        // signal aborts must still read as a timeout, not as an error.
        resolve('timeout');
        controller.abort(new Error(`The check of ${name} timed out`));
      }, this.timeoutMs);
    });
    try {
      const result = await Promise.race([
        // A check that throws synchronously is an error like any other.
        Promise.resolve().then(() =>
          validate(value, { signal: controller.signal }),
        ),
        timedOut,
      ]);
      if (result === 'timeout') {
        return {
          ok: false,
          message: `The check of ${name} did not finish within ${formatMilliseconds(
            this.timeoutMs,
          )} (secrets.validation.timeout); the provider may be slow or unreachable. Try again, or save without the check.`,
        };
      }
      if (result?.ok === true) return { ok: true };
      return { ok: false, message: this.#safeMessage(name, result, value) };
    } catch (error) {
      // The error's text may quote the value (a URL, a request echo): only
      // its kind is logged, and the caller gets a message of our own.
      this.options.logger.warn(
        `The check of secret ${name} threw ${
          isError(error) ? error.name : typeof error
        }; its message is not logged, as it may contain the value.`,
      );
      return {
        ok: false,
        message: `The check of ${name} failed with an unexpected error in the plugin's validate function (not shown, as it may contain the value). Try again, or save without the check.`,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  #safeMessage(name: string, result: unknown, value: string): string {
    const message = (result as { message?: unknown } | undefined)?.message;
    if (typeof message !== 'string' || message.trim() === '') {
      return `The check of ${name} did not accept the value (it gave no reason).`;
    }
    if (quotesValue(message, value)) {
      return `The check of ${name} did not accept the value; its message is not shown because it contains (part of) the value.`;
    }
    return message.length > MAX_MESSAGE_LENGTH
      ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…`
      : message;
  }

  /**
   * Runs the check before a save: resolves when the value passed (with the
   * time of the check), throws a 422 SecretCheckFailedError otherwise.
   */
  async assertValid(
    name: string,
    validate: SecretValidator,
    value: string,
  ): Promise<string> {
    const outcome = await this.run(name, validate, value);
    if (!outcome.ok) {
      throw new SecretCheckFailedError(
        `The check of ${name} did not pass, so the value was not saved: ${outcome.message}`,
      );
    }
    return new Date().toISOString();
  }

  /** Records a check (a failure to record is logged, not thrown). */
  async record(check: SecretCheckRecord): Promise<void> {
    try {
      await this.options.store.record(check);
    } catch (error) {
      // Store errors carry an operation and a code only (storeErrors.ts).
      this.options.logger.warn(
        `Could not record the check of secret ${check.name}: ${
          toError(error).message
        }`,
      );
    }
  }

  /** The last check of every secret, by name. */
  async all(): Promise<Map<string, SecretCheckRecord>> {
    const records = await this.options.store.list();
    return new Map(records.map(record => [record.name, record]));
  }

  async get(name: string): Promise<SecretCheckRecord | undefined> {
    return this.options.store.get(name);
  }
}

/**
 * The summary fields of a secret's last check, when that check was of the
 * value a read would get now: a newer stored version, a pin that came or
 * went, or a check of a pinned value from before this instance started
 * (the pin may have changed with the restart) makes it stale, and then
 * nothing is shown.
 */
export function lastCheckFields(
  check: SecretCheckRecord | undefined,
  current: { source: SecretSource; version?: number },
  startedAt: string,
): Pick<SecretSummary, 'lastCheckedAt' | 'lastCheckOk'> {
  if (!check || check.source !== current.source) return {};
  if (current.source === 'database' && check.version !== current.version) {
    return {};
  }
  if (current.source !== 'database' && check.checkedAt < startedAt) {
    return {};
  }
  return { lastCheckedAt: check.checkedAt, lastCheckOk: check.ok };
}
