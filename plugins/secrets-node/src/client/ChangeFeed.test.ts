import { mockServices } from '@backstage/backend-test-utils';
import type { EventsService } from '@backstage/plugin-events-node';
import { SECRETS_HEARTBEAT_TOPIC } from '../events/topics';
import { ChangeFeed } from './ChangeFeed';

/*
 * Events are hints, never trust: anyone with a service token can publish on
 * the bus. The feed clamps what a heartbeat claims, ignores goodbyes from
 * instances it did not just hear, and keeps values long only while the
 * backend's change counter (read with the plugin's own token) is fresh;
 * when the counter moves, every kept value is dropped.
 */

const settle = () => new Promise(resolve => setImmediate(resolve));

describe('ChangeFeed', () => {
  let now = 1_000_000;
  let events: EventsService;
  let watermark: { value: string; fails: boolean };
  let dropped: number;
  let feeds: ChangeFeed[] = [];

  function feed(options: { maxHeartbeatIntervalMs?: number } = {}) {
    const created = new ChangeFeed({
      events,
      maxStalenessMs: 300_000,
      onChanged: () => {},
      onTrusted: () => {
        dropped += 1;
      },
      readWatermark: async () => {
        if (watermark.fails) throw new Error('503 from the secrets backend');
        return watermark.value;
      },
      checkIntervalMs: 10_000,
      ...options,
    });
    feeds.push(created);
    return created;
  }
  const heartbeat = (instance: string, intervalMs: number, stopping = false) =>
    events.publish({
      topic: SECRETS_HEARTBEAT_TOPIC,
      eventPayload: { instance, intervalMs, ...(stopping ? { stopping } : {}) },
    });

  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    events = mockServices.events();
    watermark = { value: '7', fails: false };
    dropped = 0;
    feeds = [];
  });
  afterEach(() => {
    feeds.forEach(f => f.stop());
    jest.restoreAllMocks();
  });

  it('trusts the bus only with a heartbeat and a fresh read of the change counter', async () => {
    watermark.fails = true;
    const f = feed();
    await settle();
    await heartbeat('a', 10_000);
    // Heartbeats alone (anyone can send them) are not enough.
    expect(f.trusted(now)).toBe(false);
    watermark.fails = false;
    await f.check();
    expect(f.trusted(now)).toBe(true);
    // The counter read ages out: 2.5 check intervals without a success.
    watermark.fails = true;
    now += 20_000;
    await heartbeat('a', 10_000);
    await f.check();
    expect(f.trusted(now)).toBe(true);
    now += 6_000;
    await heartbeat('a', 10_000);
    expect(f.trusted(now)).toBe(false);
  });

  it('drops every kept value when the counter moved, whatever the bus said', async () => {
    const f = feed();
    await settle();
    await f.check();
    expect(dropped).toBe(0);
    await f.check();
    expect(dropped).toBe(0); // unchanged
    watermark.value = '8'; // a change whose event never came
    await f.check();
    expect(dropped).toBe(1);
  });

  it('clamps the interval a heartbeat claims, so a fake one cannot keep a dead instance heard', async () => {
    const f = feed({ maxHeartbeatIntervalMs: 60_000 });
    await settle();
    await f.check();
    // A forged heartbeat for instance "b" claiming a day-long interval.
    await heartbeat('b', 86_400_000);
    await heartbeat('a', 10_000);
    expect(f.trusted(now)).toBe(true);
    // b is not heard again: overdue after 2.5 × 60 s, not 2.5 days.
    for (let t = 0; t < 16; t++) {
      now += 10_000;
      await heartbeat('a', 10_000);
      await f.check();
    }
    expect(f.trusted(now)).toBe(false);
  });

  it('ignores a goodbye from an instance not heard within its interval', async () => {
    const f = feed();
    await settle();
    await f.check();
    await heartbeat('a', 10_000);
    await heartbeat('dead', 10_000);
    // "dead" crashed; its heartbeats stopped.
    now += 20_000;
    await heartbeat('a', 10_000);
    await f.check();
    // A fake goodbye for it would make the bus look healthy again.
    await heartbeat('dead', 0, true);
    now += 10_000;
    await heartbeat('a', 10_000);
    await f.check();
    expect(f.trusted(now)).toBe(false);
  });

  it('accepts a goodbye from an instance heard within its interval', async () => {
    const f = feed();
    await settle();
    await f.check();
    await heartbeat('a', 10_000);
    await heartbeat('leaving', 10_000);
    now += 5_000;
    await heartbeat('leaving', 0, true);
    now += 40_000;
    await heartbeat('a', 10_000);
    await f.check();
    expect(f.trusted(now)).toBe(true);
  });
});
