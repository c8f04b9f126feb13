import { mockServices } from '@backstage/backend-test-utils';
import type { SecretChecksStore } from '../database';
import {
  formatMilliseconds,
  lastCheckFields,
  SecretChecks,
} from './SecretChecks';

const VALUE = 'sk-unit-0123456789abcdef';

function checks(timeoutMs = 1000) {
  const store: SecretChecksStore = {
    record: async () => {},
    list: async () => [],
    get: async () => undefined,
  };
  return new SecretChecks({
    store,
    logger: mockServices.logger.mock(),
    timeoutMs,
  });
}

describe('SecretChecks', () => {
  it.each([
    [10_000, '10 s'],
    [1500, '1.5 s'],
    [250, '250 ms'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatMilliseconds(ms)).toBe(text);
  });

  it.each([
    ['a result without ok', async () => ({} as any), /gave no reason/],
    ['no result', async () => undefined as any, /gave no reason/],
    [
      'an empty message',
      async () => ({ ok: false, message: ' ' } as const),
      /gave no reason/,
    ],
    [
      'a synchronous throw',
      () => {
        throw new Error(VALUE);
      },
      /failed with an unexpected error/,
    ],
  ])(
    'turns %s into a failure with a safe message',
    async (_what, validate, message) => {
      const outcome = await checks().run('KEY', validate as any, VALUE);
      expect(outcome.ok).toBe(false);
      expect(outcome.message).toMatch(message);
      expect(outcome.message).not.toContain(VALUE);
    },
  );

  it('shortens a long provider message', async () => {
    const outcome = await checks().run(
      'KEY',
      async () => ({ ok: false, message: 'x'.repeat(2000) }),
      VALUE,
    );
    expect(outcome.message).toHaveLength(501);
  });

  it('shows a check only for the value a read gets now', () => {
    const check = {
      name: 'KEY',
      checkedAt: '2026-12-01T00:00:00.000Z',
      ok: true,
      source: 'database' as const,
      version: 2,
    };
    const started = '2026-12-01T12:00:00.000Z';
    expect(
      lastCheckFields(check, { source: 'database', version: 2 }, started),
    ).toEqual({ lastCheckedAt: check.checkedAt, lastCheckOk: true });
    expect(
      lastCheckFields(check, { source: 'database', version: 3 }, started),
    ).toEqual({});
    expect(lastCheckFields(check, { source: 'config' }, started)).toEqual({});
    expect(lastCheckFields(undefined, { source: 'database' }, started)).toEqual(
      {},
    );
    // A pinned value's check counts only from this instance's start on.
    const pinned = { ...check, source: 'config' as const, version: undefined };
    expect(lastCheckFields(pinned, { source: 'config' }, started)).toEqual({});
    expect(
      lastCheckFields(pinned, { source: 'config' }, check.checkedAt),
    ).toEqual({ lastCheckedAt: check.checkedAt, lastCheckOk: true });
  });
});
