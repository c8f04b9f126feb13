import type { LoggerService } from '@backstage/backend-plugin-api';
import type { EventsService } from '@backstage/plugin-events-node';
import { randomUUID } from 'node:crypto';
import {
  SECRETS_CHANGED_TOPIC,
  SECRETS_HEARTBEAT_TOPIC,
} from '../events/topics';

/** A heartbeat is overdue after this many of its publisher's intervals. */
const OVERDUE_INTERVALS = 2.5;

/**
 * The shortest heartbeat interval believed. Anyone with a service token can
 * publish on the bus: the interval a heartbeat claims is clamped to
 * [MIN_HEARTBEAT_INTERVAL_MS, maxHeartbeatIntervalMs], so a fake one cannot
 * keep an instance "heard" for days.
 */
const MIN_HEARTBEAT_INTERVAL_MS = 1_000;

/** Default of `secrets.client.maxHeartbeatInterval`. */
export const DEFAULT_MAX_HEARTBEAT_INTERVAL_MS = 60_000;

/** Default of `secrets.client.checkInterval`. */
export const DEFAULT_CHECK_INTERVAL_MS = 10_000;

/**
 * How long a silent instance keeps the bus untrusted (at least
 * maxStaleness): long enough to cover an outage of the bus, after which an
 * instance that crashed without saying goodbye is forgotten.
 */
const FORGET_SILENT_MS = 15 * 60_000;

/**
 * What a {@link DefaultSecretsClient} learns from the events service: which
 * names changed (`secrets.changed`), and whether the bus can be trusted to
 * tell it (`secrets.heartbeat`).
 *
 * Delivery: the events backend's bus delivers each event once per
 * subscriber id, whichever instance polls it first. Every client therefore
 * subscribes with an id of its own (random per process and plugin), so each
 * replica hears every change. Ids of stopped processes are not removed by
 * us: the events backend deletes subscriptions that stopped reading (after
 * its event window, a day at most). Without the events backend installed,
 * events stay in the process that published them.
 *
 * Events are hints, never trust: anyone with a service token can publish
 * them. A change event only makes a value be read again. Whether values
 * may be kept long is decided by the backend's change counter, read with
 * the plugin's own token every `checkIntervalMs`: when it moved, every
 * kept value is dropped (a change whose event was missed, or faked
 * heartbeats hiding a dead instance, cost at most that interval), and when
 * it cannot be read the short window applies.
 *
 * Heartbeats: each secrets backend instance publishes a heartbeat every few
 * seconds, and a last one with `stopping` when it shuts down. The bus is
 * trusted while heartbeats arrive and no instance heard has gone silent for
 * more than {@link OVERDUE_INTERVALS} of its interval. An instance whose
 * heartbeats stop without goodbye is cut off from the bus, or crashed: both
 * mean the short window until it is heard again or forgotten (after
 * {@link FORGET_SILENT_MS}, at least maxStaleness), which only costs reads;
 * after that, a bus still down is bounded by maxStaleness again. A process
 * that never hears another instance (a single instance, or replicas without
 * the events backend) cannot tell them apart: there the bound is
 * `maxStaleness` (docs/operators.md).
 */
export class ChangeFeed {
  readonly #logger?: LoggerService;
  readonly #forgetAfterMs: number;
  readonly #heard = new Map<string, { at: number; intervalMs: number }>();
  readonly #maxHeartbeatIntervalMs: number;
  readonly #checkIntervalMs: number;
  #subscribed = false;
  #failed = false;
  #trusted = false;
  #warnedSilent = false;
  /** the last counter read, and when it was read */
  #watermark: { value: string; at: number } | undefined;
  #checking = false;
  readonly #timer: NodeJS.Timeout;

  constructor(options: {
    events: EventsService;
    logger?: LoggerService;
    maxStalenessMs: number;
    /** `entityRef`: only that entity's value of the name changed */
    onChanged: (name: string, entityRef?: string) => void;
    /**
     * called when values may have changed unseen: the bus became trusted
     * again, or the backend's change counter moved
     */
    onTrusted: () => void;
    /** reads the backend's change counter with the plugin's own token */
    readWatermark: () => Promise<string>;
    /** how often the counter is read (`secrets.client.checkInterval`) */
    checkIntervalMs?: number;
    /** `secrets.client.maxHeartbeatInterval` */
    maxHeartbeatIntervalMs?: number;
  }) {
    this.#logger = options.logger;
    this.#forgetAfterMs = Math.max(options.maxStalenessMs, FORGET_SILENT_MS);
    this.#onTrusted = options.onTrusted;
    this.#readWatermark = options.readWatermark;
    this.#checkIntervalMs =
      options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
    this.#maxHeartbeatIntervalMs = Math.max(
      MIN_HEARTBEAT_INTERVAL_MS,
      options.maxHeartbeatIntervalMs ?? DEFAULT_MAX_HEARTBEAT_INTERVAL_MS,
    );
    options.events
      .subscribe({
        id: `secrets-client-${randomUUID()}`,
        topics: [SECRETS_CHANGED_TOPIC, SECRETS_HEARTBEAT_TOPIC],
        onEvent: async ({ topic, eventPayload }) => {
          const payload = (eventPayload ?? {}) as Record<string, unknown>;
          if (topic === SECRETS_CHANGED_TOPIC) {
            if (typeof payload.name === 'string') {
              options.onChanged(
                payload.name,
                payload.scope === 'entity' &&
                  typeof payload.entityRef === 'string'
                  ? payload.entityRef
                  : undefined,
              );
            }
          } else if (typeof payload.instance !== 'string') {
            return;
          } else if (payload.stopping === true) {
            // Only an instance heard within its interval may say goodbye:
            // a fake goodbye must not make a dead instance look stopped.
            const heard = this.#heard.get(payload.instance);
            if (heard && Date.now() - heard.at <= heard.intervalMs) {
              this.#heard.delete(payload.instance);
            }
          } else if (
            typeof payload.intervalMs === 'number' &&
            payload.intervalMs > 0
          ) {
            this.#heard.set(payload.instance, {
              at: Date.now(),
              intervalMs: Math.min(
                Math.max(payload.intervalMs, MIN_HEARTBEAT_INTERVAL_MS),
                this.#maxHeartbeatIntervalMs,
              ),
            });
          }
        },
      })
      .then(
        () => {
          this.#subscribed = true;
        },
        error => {
          this.#failed = true;
          this.#logger?.warn(
            `Secrets client could not subscribe to change events (${
              error instanceof Error ? error.message : String(error)
            }); re-reading values after the short reuse window instead.`,
          );
        },
      );
    void this.check();
    this.#timer = setInterval(() => void this.check(), this.#checkIntervalMs);
    this.#timer.unref();
  }

  readonly #onTrusted: () => void;
  readonly #readWatermark: () => Promise<string>;

  /**
   * Reads the change counter; when it moved since the last read, every
   * kept value is dropped. A failed read leaves the last success aging
   * out (then the short window applies).
   */
  async check(now = () => Date.now()): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    try {
      const value = await this.#readWatermark();
      const previous = this.#watermark;
      this.#watermark = { value, at: now() };
      if (previous && previous.value !== value) this.#onTrusted();
    } catch (error) {
      this.#logger?.debug(
        `Secrets client could not read the change counter (${
          error instanceof Error ? error.message : String(error)
        }); re-reading values after the short window until it can.`,
      );
    } finally {
      this.#checking = false;
    }
  }

  /** Stops reading the change counter. */
  stop(): void {
    clearInterval(this.#timer);
  }

  /**
   * Whether values may be kept until they change (up to maxStaleness):
   * subscribed, and every instance heard lately is still heard.
   */
  trusted(now = Date.now()): boolean {
    const counterFresh =
      this.#watermark !== undefined &&
      now - this.#watermark.at <= this.#checkIntervalMs * OVERDUE_INTERVALS;
    let trusted =
      counterFresh && this.#subscribed && !this.#failed && this.#heard.size > 0;
    let silent: string | undefined;
    for (const [instance, { at, intervalMs }] of this.#heard) {
      if (now - at > this.#forgetAfterMs) {
        this.#heard.delete(instance);
      } else if (now - at > intervalMs * OVERDUE_INTERVALS) {
        trusted = false;
        silent = instance;
      }
    }
    if (trusted && this.#heard.size === 0) trusted = false;
    if (silent && !this.#warnedSilent) {
      this.#warnedSilent = true;
      this.#logger?.warn(
        `Secrets client stopped hearing a secrets backend instance on the event bus; re-reading values after the short reuse window until every instance is heard again (or the silent one is forgotten).`,
      );
    }
    if (trusted && !this.#trusted) {
      this.#warnedSilent = false;
      this.#onTrusted();
    }
    this.#trusted = trusted;
    return trusted;
  }
}
