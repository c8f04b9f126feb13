import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import {
  canClear,
  canSet,
  countSecrets,
  secretStatus,
  sortSecrets,
} from './status';

const secret = (overrides: Partial<SecretSummary>): SecretSummary => ({
  name: 'A',
  registered: true,
  scope: 'shared',
  format: 'text',
  source: 'unset',
  ...overrides,
});

describe('secretStatus', () => {
  it.each<[Partial<SecretSummary>, string]>([
    [{ source: 'unset' }, 'missing'],
    [{ source: 'database', version: 1 }, 'set'],
    [{ source: 'config', pinnedBy: 'secrets.values.A' }, 'config'],
    [{ source: 'environment', pinnedBy: 'BACKSTAGE_SECRETS_A' }, 'environment'],
    [{ source: 'database', version: 2, error: 'cannot decrypt' }, 'error'],
    [{ registered: false, source: 'database', version: 1 }, 'orphaned'],
    [{ source: 'config', version: 1, error: 'cannot decrypt' }, 'config'],
  ])('%j is %s', (overrides, expected) => {
    expect(secretStatus(secret(overrides))).toBe(expected);
  });
});

describe('actions', () => {
  it('offers neither set nor clear for pinned secrets', () => {
    const pinned = secret({ source: 'environment', version: 3 });
    expect(canSet(pinned)).toBe(false);
    expect(canClear(pinned)).toBe(false);
  });

  it('offers only clear for orphans', () => {
    const orphan = secret({
      registered: false,
      scope: 'shared',
      source: 'database',
      version: 1,
    });
    expect(canSet(orphan)).toBe(false);
    expect(canClear(orphan)).toBe(true);
  });

  it('offers set but not clear for missing secrets', () => {
    const missing = secret({ source: 'unset' });
    expect(canSet(missing)).toBe(true);
    expect(canClear(missing)).toBe(false);
  });
});

describe('sortSecrets', () => {
  it('lists missing values first, orphans last, by name within', () => {
    const sorted = sortSecrets([
      secret({ name: 'ORPHAN', registered: false, source: 'database' }),
      secret({ name: 'B_SET', source: 'database', version: 1 }),
      secret({ name: 'Z_MISSING' }),
      secret({ name: 'A_PINNED', source: 'config' }),
      secret({ name: 'BROKEN', source: 'database', error: 'x' }),
      secret({ name: 'C_MISSING' }),
    ]);
    expect(sorted.map(s => s.name)).toEqual([
      'C_MISSING',
      'Z_MISSING',
      'BROKEN',
      'A_PINNED',
      'B_SET',
      'ORPHAN',
    ]);
  });
});

describe('countSecrets', () => {
  it('counts registered secrets by state and orphans apart', () => {
    expect(
      countSecrets([
        secret({ source: 'unset' }),
        secret({ source: 'database' }),
        secret({ source: 'environment' }),
        secret({ source: 'database', error: 'x' }),
        secret({ registered: false, source: 'database' }),
        secret({ scope: 'user', source: 'unset', userValueCount: 3 }),
        // Per entity, with or without a default: neither set nor missing.
        secret({ scope: 'entity', source: 'unset', entityValueCount: 2 }),
        secret({ scope: 'entity', source: 'database', entityValueCount: 0 }),
      ]),
    ).toEqual({
      registered: 4,
      set: 2,
      missing: 1,
      pinned: 1,
      unreadable: 1,
      orphaned: 1,
      perUser: 1,
      perEntity: 2,
    });
  });
});
