import { durationToMilliseconds, HumanDuration } from '@backstage/types';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import type { SecretsConfig } from '../config';

/**
 * A duration as ISO 8601, e.g. `{ days: 90 }` → `P90D`, the form the wire
 * carries (`SecretSummary.rotateEvery`). Weeks are written as days, since
 * ISO 8601 does not combine W with other units.
 */
export function toIsoDuration(duration: HumanDuration): string {
  const days = (duration.weeks ?? 0) * 7 + (duration.days ?? 0);
  const seconds = (duration.seconds ?? 0) + (duration.milliseconds ?? 0) / 1000;
  const date = [
    duration.years ? `${duration.years}Y` : '',
    duration.months ? `${duration.months}M` : '',
    days ? `${days}D` : '',
  ].join('');
  const time = [
    duration.hours ? `${duration.hours}H` : '',
    duration.minutes ? `${duration.minutes}M` : '',
    seconds ? `${Number(seconds.toFixed(3))}S` : '',
  ].join('');
  if (!date && !time) return 'PT0S';
  return `P${date}${time ? `T${time}` : ''}`;
}

/**
 * A time plus a duration, in UTC: years and months move the calendar (a
 * value set on 31 January with `{ months: 1 }` is due on 3 March, as
 * JavaScript dates roll over), the other units are exact.
 */
export function addDuration(at: Date, duration: HumanDuration): Date {
  const result = new Date(at.getTime());
  const months = (duration.years ?? 0) * 12 + (duration.months ?? 0);
  if (months) result.setUTCMonth(result.getUTCMonth() + months);
  const { years: _y, months: _m, ...exact } = duration;
  return new Date(result.getTime() + durationToMilliseconds(exact));
}

/**
 * The operator's rotation settings: `secrets.rotation.<NAME>` (wins over the
 * definition's `rotateEvery`) and `secrets.unusedAfter`. Read once at
 * start-up, so that an invalid entry stops the plugin with an error naming
 * the key instead of failing every list.
 */
export class RotationPolicy {
  private constructor(
    private readonly overrides: Map<string, HumanDuration>,
    readonly unusedAfter: HumanDuration,
  ) {}

  static fromConfig(
    config: Pick<SecretsConfig, 'valueRotation'>,
  ): RotationPolicy {
    const { overrides, unusedAfter } = config.valueRotation();
    return new RotationPolicy(overrides, unusedAfter);
  }

  /** Names that `secrets.rotation` configures, for the start-up warning about unknown ones. */
  configuredNames(): string[] {
    return [...this.overrides.keys()];
  }

  /** The rotation interval of a secret: config first, then the definition. */
  rotateEveryOf(
    name: string,
    definition: { rotateEvery?: HumanDuration } | undefined,
  ): HumanDuration | undefined {
    return this.overrides.get(name) ?? definition?.rotateEvery;
  }

  /**
   * The summary fields of this concern, for a registered shared secret.
   *
   * `rotateBy` exists only for a value stored in the database: that is the
   * only value whose age is known (`updatedAt` of its current version). A
   * pinned value lives in config or the environment, which record no
   * change time, and an unset secret has nothing to rotate.
   *
   * `unused`: a stored value that no plugin has read within `unusedAfter`,
   * either because its last read is older than that or because it was never
   * read and was set longer ago than that. Pinned values are left out for
   * the same reason: their set time is unknown.
   */
  summaryFields(options: {
    name: string;
    definition: { rotateEvery?: HumanDuration } | undefined;
    summary: Pick<SecretSummary, 'source' | 'updatedAt' | 'lastUsedAt'>;
    now: Date;
  }): Pick<SecretSummary, 'rotateEvery' | 'rotateBy' | 'unused'> {
    const { name, definition, summary, now } = options;
    if (!definition) return {};
    const fields: Pick<SecretSummary, 'rotateEvery' | 'rotateBy' | 'unused'> =
      {};
    const rotateEvery = this.rotateEveryOf(name, definition);
    if (rotateEvery) fields.rotateEvery = toIsoDuration(rotateEvery);
    if (summary.source !== 'database' || !summary.updatedAt) return fields;
    if (rotateEvery) {
      fields.rotateBy = addDuration(
        new Date(summary.updatedAt),
        rotateEvery,
      ).toISOString();
    }
    const threshold = now.getTime() - durationToMilliseconds(this.unusedAfter);
    const lastActivity = summary.lastUsedAt ?? summary.updatedAt;
    if (Date.parse(lastActivity) < threshold) fields.unused = true;
    return fields;
  }
}
