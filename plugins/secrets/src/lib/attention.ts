import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A rotation is "due soon" this long before its `rotateBy`. */
export const DUE_SOON_DAYS = 7;

/**
 * Where a secret stands against its rotation schedule:
 *
 * - `overdue`: `rotateBy` has passed
 * - `dueSoon`: `rotateBy` is within {@link DUE_SOON_DAYS} days
 * - `scheduled`: `rotateBy` is further away
 *
 * Undefined when the secret has no rotation schedule (or no stored value
 * to rotate, in which case the backend sends no `rotateBy`).
 */
export type RotationState = 'overdue' | 'dueSoon' | 'scheduled';

export function rotationState(
  secret: Pick<SecretSummary, 'rotateBy'>,
  now: number = Date.now(),
): RotationState | undefined {
  if (!secret.rotateBy) {
    return undefined;
  }
  const due = Date.parse(secret.rotateBy);
  if (Number.isNaN(due)) {
    return undefined;
  }
  if (due < now) {
    return 'overdue';
  }
  return due - now <= DUE_SOON_DAYS * DAY_MS ? 'dueSoon' : 'scheduled';
}

/** "Mar 3, 2026": the day to rotate by, in the viewer's locale. */
export function formatDay(iso: string, locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  return date.toLocaleDateString(locale, { dateStyle: 'medium' });
}

/** What the unused flag is computed from. */
type UnusedFields = Pick<
  SecretSummary,
  'unused' | 'lastUsedAt' | 'updatedAt' | 'createdAt'
>;

/**
 * For a secret the backend flags as `unused`: for how many whole days no
 * plugin has read it. Counted from the last read or, when it was never
 * read, from when the value was last written. Undefined when the secret is
 * not flagged, or there is no date to count from.
 */
export function unusedDays(
  secret: UnusedFields,
  now: number = Date.now(),
): number | undefined {
  if (!secret.unused) {
    return undefined;
  }
  const since = Date.parse(
    secret.lastUsedAt ?? secret.updatedAt ?? secret.createdAt ?? '',
  );
  if (Number.isNaN(since)) {
    return undefined;
  }
  return Math.max(0, Math.floor((now - since) / DAY_MS));
}

/** "not used for 97 days — still needed?" */
export function unusedText(
  secret: UnusedFields,
  now: number = Date.now(),
): string | undefined {
  const days = unusedDays(secret, now);
  if (days !== undefined) {
    return `not used for ${days} ${
      days === 1 ? 'day' : 'days'
    } — still needed?`;
  }
  // Flagged, but with no date to count from.
  return secret.unused ? 'not used — still needed?' : undefined;
}
