import { formatDay, rotationState, unusedDays, unusedText } from './attention';

const now = Date.parse('2026-03-10T12:00:00Z');

describe('rotationState', () => {
  it.each<[string | undefined, string | undefined]>([
    [undefined, undefined],
    ['not a date', undefined],
    ['2026-03-10T11:59:59Z', 'overdue'],
    ['2026-01-01T00:00:00Z', 'overdue'],
    ['2026-03-10T12:00:00Z', 'dueSoon'],
    ['2026-03-17T12:00:00Z', 'dueSoon'],
    ['2026-03-17T12:00:01Z', 'scheduled'],
    ['2026-06-01T00:00:00Z', 'scheduled'],
  ])('rotateBy %s is %s', (rotateBy, expected) => {
    expect(rotationState({ rotateBy }, now)).toBe(expected);
  });
});

describe('formatDay', () => {
  it('formats the day in the given locale', () => {
    expect(formatDay('2026-03-17T12:00:00Z', 'en-US')).toBe('Mar 17, 2026');
    expect(formatDay('nonsense')).toBe('nonsense');
  });
});

describe('unusedDays and unusedText', () => {
  it('counts from the last read', () => {
    const secret = {
      unused: true,
      lastUsedAt: '2025-12-03T11:00:00Z',
      updatedAt: '2025-01-01T00:00:00Z',
    };
    expect(unusedDays(secret, now)).toBe(97);
    expect(unusedText(secret, now)).toBe(
      'not used for 97 days — still needed?',
    );
  });

  it('counts from the last write when never read', () => {
    const secret = { unused: true, updatedAt: '2026-03-09T00:00:00Z' };
    expect(unusedDays(secret, now)).toBe(1);
    expect(unusedText(secret, now)).toBe('not used for 1 day — still needed?');
    expect(
      unusedDays({ unused: true, createdAt: '2026-02-08T12:00:00Z' }, now),
    ).toBe(30);
  });

  it('says nothing for secrets the backend does not flag', () => {
    expect(
      unusedText({ lastUsedAt: '2020-01-01T00:00:00Z' }, now),
    ).toBeUndefined();
    expect(unusedText({ unused: false }, now)).toBeUndefined();
  });

  it('still asks when there is no date to count from', () => {
    expect(unusedText({ unused: true }, now)).toBe('not used — still needed?');
  });
});
