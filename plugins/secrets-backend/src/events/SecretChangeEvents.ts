import type { LoggerService } from '@backstage/backend-plugin-api';
import type { EventsService } from '@backstage/plugin-events-node';
import type { SecretChangedEvent } from '@backstage-secrets/plugin-secrets-common';
import {
  SECRETS_CHANGED_TOPIC,
  SECRETS_HEARTBEAT_TOPIC,
  type SecretsHeartbeat,
} from '@backstage-secrets/plugin-secrets-node';
import { randomUUID } from 'node:crypto';

/**
 * Tells readers (DefaultSecretsClient in every backend plugin, on every
 * instance) that a secret changed, through Backstage's events service: with
 * `@backstage/plugin-events-backend` installed the event reaches every
 * replica through its event bus; without it, only this process.
 *
 * A publish never fails the write it follows: the value is stored, and a
 * reader that misses the event still drops the value after
 * `secrets.client.maxStaleness`, or sooner once it notices the missing
 * heartbeats. A failure is logged once (until publishing works again), with
 * the bus's error, which can hold no value: payloads are names, scopes and
 * versions only.
 */
export class SecretChangeEvents {
  readonly #events: EventsService | undefined;
  readonly #logger: LoggerService;
  readonly #instance = randomUUID();
  readonly #watermark?: { bump(): Promise<void> };
  #failing = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: {
    events?: EventsService;
    logger: LoggerService;
    /** the counter readers poll (database/ChangeWatermark) */
    watermark?: { bump(): Promise<void> };
  }) {
    this.#events = options.events;
    this.#logger = options.logger;
    this.#watermark = options.watermark;
  }

  /**
   * Moves the change watermark forward, then publishes `secrets.changed`;
   * resolves even when either fails (the change is stored regardless).
   */
  async changed(event: SecretChangedEvent): Promise<void> {
    try {
      await this.#watermark?.bump();
    } catch (error) {
      this.#logger.warn(
        `Could not move the change watermark (${
          error instanceof Error ? error.message : String(error)
        }); readers on other instances rely on the change event, or re-read after secrets.client.maxStaleness.`,
      );
    }
    const payload: SecretChangedEvent = {
      name: event.name,
      scope: event.scope,
      ...(event.version !== undefined ? { version: event.version } : {}),
      ...(event.entityRef !== undefined ? { entityRef: event.entityRef } : {}),
    };
    await this.#publish(SECRETS_CHANGED_TOPIC, payload);
  }

  /**
   * Publishes a heartbeat now and every `intervalMs` until stopped, so that
   * clients on other instances can tell a broken bus from a quiet one.
   */
  startHeartbeat(intervalMs: number): void {
    if (!this.#events || this.#timer) return;
    const beat = () =>
      this.#publish(SECRETS_HEARTBEAT_TOPIC, {
        instance: this.#instance,
        intervalMs,
      } satisfies SecretsHeartbeat);
    void beat();
    this.#timer = setInterval(beat, intervalMs);
    this.#timer.unref();
  }

  /**
   * Stops the heartbeat and says goodbye, so that clients on other
   * instances forget this one instead of distrusting the bus.
   */
  async stopHeartbeat(): Promise<void> {
    if (!this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#publish(SECRETS_HEARTBEAT_TOPIC, {
      instance: this.#instance,
      intervalMs: 0,
      stopping: true,
    } satisfies SecretsHeartbeat);
  }

  async #publish(topic: string, eventPayload: object): Promise<void> {
    if (!this.#events) return;
    try {
      await this.#events.publish({ topic, eventPayload });
      if (this.#failing) {
        this.#failing = false;
        this.#logger.info('Publishing secret change events works again');
      }
    } catch (error) {
      if (this.#failing) return;
      this.#failing = true;
      this.#logger.warn(
        `Could not publish ${topic} on the event bus (${
          error instanceof Error ? error.message : String(error)
        }); writes are stored regardless; readers on other instances re-read values after a short window once they notice, or after secrets.client.maxStaleness. Logged once until publishing works again.`,
      );
    }
  }
}
