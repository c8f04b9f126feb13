import { ReadCache } from './ReadCache';
import { useFakeClock } from './__testUtils__/fakeClock';

/** A cache whose loads are counted per key; answers are the key's name. */
function countingCache(maxEntries: number, windowMs = 60_000) {
  const loads: string[] = [];
  const cache = new ReadCache<string>({ maxEntries, windowMs: () => windowMs });
  const read = (name: string, user?: string) =>
    cache.read({ name, user }, async () => {
      loads.push(user === undefined ? name : `${name}/${user}`);
      return name;
    });
  return { cache, loads, read };
}

describe('ReadCache', () => {
  beforeEach(() => useFakeClock());
  afterEach(() => jest.useRealTimers());

  it('never keeps more than maxEntries keys', async () => {
    const { cache, read } = countingCache(10);
    for (let i = 0; i < 100; i++) {
      await read(`NAME_${i}`);
      await read(`NAME_${i}`, `user:default/u${i}`);
      expect(cache.size).toBeLessThanOrEqual(10);
    }
    expect(cache.size).toBe(10);
  });

  it('evicts the least recently read key first', async () => {
    const { loads, read } = countingCache(3);
    await read('A');
    await read('B');
    await read('C');
    await read('A'); // kept: B is now the least recently read
    await read('D'); // evicts B
    expect(loads).toEqual(['A', 'B', 'C', 'D']);

    await read('A');
    await read('C');
    await read('D');
    expect(loads).toHaveLength(4); // all three still kept
    await read('B'); // evicted earlier: loaded again, evicting A
    await read('A');
    expect(loads).toEqual(['A', 'B', 'C', 'D', 'B', 'A']);
  });

  it('counts a shared value and each user’s value as keys of their own', async () => {
    const { cache, loads, read } = countingCache(2);
    await read('A');
    await read('A', 'user:default/ann');
    await read('A', 'user:default/bob'); // evicts the shared value
    expect(cache.size).toBe(2);
    await read('A', 'user:default/ann');
    await read('A');
    expect(loads).toEqual([
      'A',
      'A/user:default/ann',
      'A/user:default/bob',
      'A',
    ]);
  });

  it('reuses an answer within the window, counted from the answer', async () => {
    const { loads, read } = countingCache(10, 500);
    await read('A');
    jest.advanceTimersByTime(499);
    await read('A');
    expect(loads).toEqual(['A']);
    jest.advanceTimersByTime(1);
    await read('A');
    expect(loads).toEqual(['A', 'A']);
  });

  it('hands out a settled, fresh answer only: never one in flight or expired', async () => {
    const cache = new ReadCache<string>({
      maxEntries: 10,
      windowMs: () => 500,
    });
    const key = { name: 'A', entity: 'component:default/x' };
    let answer: (value: string) => void = () => {};
    const loading = cache.read(key, () => new Promise(r => (answer = r)));
    expect(cache.settled(key)).toBeUndefined(); // in flight: it may still fail
    answer('v');
    await loading;
    expect(await cache.settled(key)).toBe('v');
    expect(cache.settled({ name: 'A' })).toBeUndefined(); // another key
    jest.advanceTimersByTime(500);
    expect(cache.settled(key)).toBeUndefined();
  });

  it('drops a changed name for every user, and no other name', async () => {
    const { loads, read, cache } = countingCache(10);
    await read('A');
    await read('A', 'user:default/ann');
    await read('AB'); // shares a prefix with A
    await read('AB', 'user:default/ann');
    cache.drop('A');
    await read('A');
    await read('A', 'user:default/ann');
    await read('AB');
    await read('AB', 'user:default/ann');
    expect(loads).toEqual([
      'A',
      'A/user:default/ann',
      'AB',
      'AB/user:default/ann',
      'A',
      'A/user:default/ann',
    ]);
  });

  it('shares one load among concurrent readers, and keeps no error', async () => {
    const cache = new ReadCache<string>({
      maxEntries: 10,
      windowMs: () => 60_000,
    });
    const load = jest
      .fn<Promise<string>, []>()
      .mockRejectedValueOnce(new Error('down'))
      .mockResolvedValue('v');
    const first = [
      cache.read({ name: 'A' }, load),
      cache.read({ name: 'A' }, load),
    ];
    await expect(Promise.all(first)).rejects.toThrow('down');
    expect(load).toHaveBeenCalledTimes(1);
    expect(cache.size).toBe(0);
    expect(await cache.read({ name: 'A' }, load)).toBe('v');
    expect(load).toHaveBeenCalledTimes(2);
  });
});
