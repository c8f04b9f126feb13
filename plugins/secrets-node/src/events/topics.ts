/**
 * Topics of the secrets plugin on Backstage's events service. The payloads
 * never hold a value: names, scopes, versions and instance ids only.
 */

/**
 * Published by the secrets backend on every change of a stored value, a
 * user's grant or a row's encryption; payload `SecretChangedEvent` from
 * `@backstage-secrets/plugin-secrets-common`.
 *
 * @public
 */
export const SECRETS_CHANGED_TOPIC = 'secrets.changed';

/**
 * Published by every secrets backend instance at a fixed interval, so that
 * clients can tell a working event bus (they hear every instance) from a
 * broken one (an instance they heard from went silent). Between the
 * secrets backend and {@link DefaultSecretsClient}; plugins need not use it.
 *
 * @public
 */
export const SECRETS_HEARTBEAT_TOPIC = 'secrets.heartbeat';

/**
 * Payload of {@link SECRETS_HEARTBEAT_TOPIC}.
 *
 * @public
 */
export interface SecretsHeartbeat {
  /** a random id of the publishing process */
  instance: string;
  /** the publisher's interval, so that listeners know when it is overdue */
  intervalMs: number;
  /** the last heartbeat of an instance shutting down: forget it, do not wait */
  stopping?: boolean;
}
