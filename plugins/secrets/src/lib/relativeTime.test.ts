import { formatExactTime, formatRelativeTime } from './relativeTime';

describe('formatRelativeTime', () => {
  const now = Date.parse('2025-06-15T12:00:00Z');

  it.each([
    ['2025-06-15T11:59:50Z', 'just now'],
    ['2025-06-15T12:00:10Z', 'just now'],
    ['2025-06-15T11:55:00Z', '5 minutes ago'],
    ['2025-06-15T09:00:00Z', '3 hours ago'],
    ['2025-06-14T12:00:00Z', 'yesterday'],
    ['2025-06-01T12:00:00Z', '2 weeks ago'],
    ['2024-06-15T12:00:00Z', 'last year'],
  ])('describes %s as "%s"', (iso, expected) => {
    expect(formatRelativeTime(iso, now, 'en')).toBe(expected);
  });

  it('returns input that is not a timestamp unchanged', () => {
    expect(formatRelativeTime('not a date', now, 'en')).toBe('not a date');
  });
});

describe('formatExactTime', () => {
  it('includes the UTC timestamp', () => {
    expect(formatExactTime('2025-06-15T09:30:00Z', 'en')).toContain(
      '2025-06-15T09:30:00.000Z',
    );
  });
});
