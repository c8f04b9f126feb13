import { ConfigReader } from '@backstage/config';
import { SecretsConfig } from '../config';
import { addDuration, RotationPolicy, toIsoDuration } from './rotationPolicy';

const secretsConfig = (data: object) =>
  new SecretsConfig(new ConfigReader(data));

describe('toIsoDuration', () => {
  it.each([
    [{ days: 90 }, 'P90D'],
    [{ weeks: 2 }, 'P14D'],
    [{ weeks: 1, days: 2 }, 'P9D'],
    [{ years: 1, months: 6 }, 'P1Y6M'],
    [{ hours: 36 }, 'PT36H'],
    [{ days: 1, minutes: 30, seconds: 5, milliseconds: 250 }, 'P1DT30M5.25S'],
    [{ minutes: 0 }, 'PT0S'],
  ])('%j → %s', (duration, iso) => {
    expect(toIsoDuration(duration)).toBe(iso);
  });
});

describe('addDuration', () => {
  it('adds exact units in UTC', () => {
    expect(
      addDuration(new Date('2026-01-01T10:00:00.000Z'), {
        days: 90,
        hours: 1,
      }).toISOString(),
    ).toBe('2026-04-01T11:00:00.000Z');
  });

  it('moves the calendar for months and years', () => {
    expect(
      addDuration(new Date('2026-01-15T00:00:00.000Z'), {
        years: 1,
        months: 1,
      }).toISOString(),
    ).toBe('2027-02-15T00:00:00.000Z');
  });
});

describe('RotationPolicy', () => {
  const UPDATED = '2026-01-01T00:00:00.000Z';

  it('reads secrets.rotation in every duration form; config wins over the definition', () => {
    const policy = RotationPolicy.fromConfig(
      secretsConfig({
        secrets: {
          rotation: {
            ISO_KEY: 'P30D',
            HUMAN_KEY: '90 days',
            OBJECT_KEY: { weeks: 2 },
          },
        },
      }),
    );
    expect(
      policy.rotateEveryOf('ISO_KEY', { rotateEvery: { days: 1 } }),
    ).toEqual({ days: 30 });
    expect(toIsoDuration(policy.rotateEveryOf('HUMAN_KEY', undefined)!)).toBe(
      'P90D',
    );
    expect(policy.rotateEveryOf('OBJECT_KEY', undefined)).toEqual({
      weeks: 2,
    });
    expect(policy.rotateEveryOf('OTHER', { rotateEvery: { days: 7 } })).toEqual(
      { days: 7 },
    );
    expect(policy.rotateEveryOf('OTHER', undefined)).toBeUndefined();
    expect(policy.unusedAfter).toEqual({ days: 90 });
    expect(policy.configuredNames().sort()).toEqual([
      'HUMAN_KEY',
      'ISO_KEY',
      'OBJECT_KEY',
    ]);
  });

  it('refuses an invalid entry at start-up, naming the key', () => {
    expect(() =>
      RotationPolicy.fromConfig(
        secretsConfig({ secrets: { rotation: { BAD: 'soon' } } }),
      ),
    ).toThrow(/secrets\.rotation\.BAD/);
    expect(() =>
      RotationPolicy.fromConfig(
        secretsConfig({ secrets: { rotation: { ZERO: { days: 0 } } } }),
      ),
    ).toThrow(/secrets\.rotation\.ZERO must be a positive duration/);
    expect(() =>
      RotationPolicy.fromConfig(
        secretsConfig({ secrets: { unusedAfter: 'P0D' } }),
      ),
    ).toThrow(/secrets\.unusedAfter must be a positive duration/);
  });

  it('gives rotateBy = updatedAt + rotateEvery for a stored value only', () => {
    const policy = RotationPolicy.fromConfig(secretsConfig({}));
    const definition = { rotateEvery: { days: 90 } };
    const now = new Date('2026-01-02T00:00:00.000Z');
    expect(
      policy.summaryFields({
        name: 'K',
        definition,
        summary: { source: 'database', updatedAt: UPDATED },
        now,
      }),
    ).toEqual({ rotateEvery: 'P90D', rotateBy: '2026-04-01T00:00:00.000Z' });
    // Pinned and unset values have no known set time: no rotateBy.
    for (const source of ['config', 'environment', 'unset'] as const) {
      expect(
        policy.summaryFields({
          name: 'K',
          definition,
          summary: { source },
          now,
        }),
      ).toEqual({ rotateEvery: 'P90D' });
    }
    // Orphans (no definition) get none of it.
    expect(
      policy.summaryFields({
        name: 'K',
        definition: undefined,
        summary: { source: 'database', updatedAt: UPDATED },
        now,
      }),
    ).toEqual({});
  });

  it('flags unused values after secrets.unusedAfter', () => {
    const policy = RotationPolicy.fromConfig(
      secretsConfig({ secrets: { unusedAfter: '30 days' } }),
    );
    const at = (days: number) =>
      new Date(Date.parse(UPDATED) + days * 86_400_000);
    const fields = (
      summary: { lastUsedAt?: string; source?: 'database' | 'config' },
      now: Date,
    ) =>
      policy.summaryFields({
        name: 'K',
        definition: {},
        summary: { source: 'database', updatedAt: UPDATED, ...summary },
        now,
      }).unused;

    // never read: unused once it was set longer ago than unusedAfter
    expect(fields({}, at(29))).toBeUndefined();
    expect(fields({}, at(31))).toBe(true);
    // read: unused once the last read is older than unusedAfter
    const read = at(10).toISOString();
    expect(fields({ lastUsedAt: read }, at(39))).toBeUndefined();
    expect(fields({ lastUsedAt: read }, at(41))).toBe(true);
    // pinned: the set time is unknown
    expect(fields({ source: 'config' }, at(400))).toBeUndefined();
  });
});
