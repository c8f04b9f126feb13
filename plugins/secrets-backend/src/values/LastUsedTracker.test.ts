import { mockServices } from '@backstage/backend-test-utils';
import type { LastUsedRecord, SecretsStore } from '../database';
import { LastUsedTracker } from './LastUsedTracker';

function fakeStore() {
  const batches: LastUsedRecord[][] = [];
  let failNext = false;
  const store = {
    async recordLastUsed(records: LastUsedRecord[]) {
      if (failNext) {
        failNext = false;
        throw new Error('database is down');
      }
      batches.push(records);
    },
  } as unknown as SecretsStore;
  return { store, batches, failOnce: () => (failNext = true) };
}

describe('LastUsedTracker', () => {
  it('turns any number of reads into one write per secret per flush', async () => {
    const { store, batches } = fakeStore();
    const tracker = new LastUsedTracker(store, mockServices.logger.mock());
    for (let i = 0; i < 10_000; i++) {
      tracker.record({
        name: i % 2 ? 'A' : 'B',
        at: new Date(1_700_000_000_000 + i).toISOString(),
        by: 'plugin:reader',
      });
    }
    expect(batches).toHaveLength(0); // reads never write by themselves
    await tracker.flush();
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(2);
    expect(batches[0].find(r => r.name === 'A')?.at).toBe(
      new Date(1_700_000_000_000 + 9_999).toISOString(),
    );
    // The store saw two rows written, whatever the number of reads.
    expect(batches.flat()).toHaveLength(2);
    await tracker.flush(); // nothing new: no write
    expect(batches).toHaveLength(1);
  });

  it('keeps records for the next flush when a flush fails', async () => {
    const { store, batches, failOnce } = fakeStore();
    const logger = mockServices.logger.mock();
    const tracker = new LastUsedTracker(store, logger);
    tracker.record({
      name: 'A',
      at: '2026-01-01T00:00:00.000Z',
      by: 'plugin:x',
    });
    failOnce();
    await expect(tracker.flush()).rejects.toThrow('database is down');
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/will retry/),
    );
    await tracker.flush();
    expect(batches).toEqual([
      [{ name: 'A', at: '2026-01-01T00:00:00.000Z', by: 'plugin:x' }],
    ]);
  });

  it('flushes what is left on stop, and shows unflushed reads meanwhile', async () => {
    const { store, batches } = fakeStore();
    const tracker = new LastUsedTracker(store, mockServices.logger.mock());
    tracker.start(60_000);
    tracker.record({
      name: 'A',
      at: '2026-01-01T00:00:00.000Z',
      by: 'plugin:x',
    });
    expect(tracker.peek('A')?.by).toBe('plugin:x');
    await tracker.stop();
    expect(batches).toHaveLength(1);
    expect(tracker.peek('A')).toBeUndefined();
  });
});
