const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/**
 * "3 hours ago", "yesterday", "just now": the time since an ISO-8601
 * timestamp in words, with the browser's own Intl (no date library needed).
 */
export function formatRelativeTime(
  iso: string,
  now: number = Date.now(),
  locale?: string,
): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) {
    return iso;
  }
  const seconds = Math.round((then - now) / 1000);
  // Clock skew between browser and backend can put a fresh timestamp a few
  // seconds in the future; that is still "just now".
  if (Math.abs(seconds) < 45) {
    return 'just now';
  }
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) {
      return format.format(Math.round(seconds / size), unit);
    }
  }
  return format.format(Math.round(seconds / 60), 'minute');
}

/** The exact time, in the viewer's locale and time zone, plus UTC. */
export function formatExactTime(iso: string, locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  const local = date.toLocaleString(locale, {
    dateStyle: 'medium',
    timeStyle: 'long',
  });
  return `${local} (${date.toISOString()})`;
}
