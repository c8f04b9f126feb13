import { mockServices } from '@backstage/backend-test-utils';
import type { EventsService } from '@backstage/plugin-events-node';
import {
  SECRETS_CHANGED_TOPIC,
  SECRETS_HEARTBEAT_TOPIC,
} from '../events/topics';
import { DefaultSecretsClient } from './DefaultSecretsClient';
import { useFakeClock } from './__testUtils__/fakeClock';
import { startFakeBackend } from './__testUtils__/fakeSecretsBackend';

/*
 * The client with change events: values kept until their event (or
 * maxStaleness), and the short window whenever the bus is not trusted. The
 * bus is Backstage's in-memory events service of the test utilities, the
 * backend a stand-in HTTP server: both outside the client under test.
 * Time passes on a fake clock (`jest.advanceTimersByTime`), never by
 * waiting; nothing asserts a duration.
 */

const HEARTBEAT_MS = 10_000;
const SHORT_WINDOW_MS = 500;
/**
 * Lets the client's subscription to the bus and its first read of the
 * backend's change counter settle (I/O turns, no clock time).
 */
async function subscribed(fake: { counter: { reads: number } }) {
  for (let turn = 0; turn < 1000 && fake.counter.reads === 0; turn++) {
    await new Promise(resolve => setImmediate(resolve));
  }
  await new Promise(resolve => setImmediate(resolve));
}

describe('DefaultSecretsClient with change events', () => {
  let fake: Awaited<ReturnType<typeof startFakeBackend>>;
  beforeEach(async () => {
    fake = await startFakeBackend();
    useFakeClock();
  });
  afterEach(() => new Promise(resolve => fake.server.close(resolve)));
  afterEach(() => jest.useRealTimers());

  function client(events: EventsService) {
    const logger = mockServices.logger.mock();
    const c = new DefaultSecretsClient({
      auth: mockServices.auth({ pluginId: 'consumer' }),
      discovery: {
        getBaseUrl: async () => fake.baseUrl,
        getExternalBaseUrl: async () => fake.baseUrl,
      },
      events,
      logger,
      cacheTtlMs: SHORT_WINDOW_MS,
      maxStalenessMs: 300_000,
      // Read once at the start: these tests are about the bus. The counter
      // has tests of its own (ChangeFeed.test.ts).
      checkIntervalMs: 3_600_000,
    });
    return { c, logger };
  }

  const heartbeat = (
    events: EventsService,
    instance: string,
    intervalMs = 60_000,
  ) =>
    events.publish({
      topic: SECRETS_HEARTBEAT_TOPIC,
      eventPayload: { instance, intervalMs },
    });
  const changed = (events: EventsService, name: string, scope = 'shared') =>
    events.publish({
      topic: SECRETS_CHANGED_TOPIC,
      eventPayload: { name, scope },
    });

  it('keeps a value until its change event while the bus is trusted, and drops only that name', async () => {
    const events = mockServices.events();
    const { c } = client(events);
    await subscribed(fake);
    await heartbeat(events, 'a');
    fake.values.set('KEY', 'v1');
    fake.values.set('OTHER', 'o1');
    expect(await c.getSecret('KEY')).toBe('v1');
    expect(await c.getSecret('OTHER')).toBe('o1');

    fake.values.set('KEY', 'v2');
    fake.values.set('OTHER', 'o2');
    await heartbeat(events, 'a');
    jest.advanceTimersByTime(2 * SHORT_WINDOW_MS); // past the short window
    expect(await c.getSecret('KEY')).toBe('v1'); // kept: no event yet
    expect(fake.requests).toHaveLength(2);

    await changed(events, 'KEY');
    expect(await c.getSecret('KEY')).toBe('v2');
    expect(await c.getSecret('OTHER')).toBe('o1'); // not its event
    expect(fake.requests).toHaveLength(3);
  });

  it('falls back to the short window once an instance it heard goes silent, and logs once', async () => {
    const events = mockServices.events();
    const { c, logger } = client(events);
    await subscribed(fake);
    await heartbeat(events, 'a', HEARTBEAT_MS);
    await heartbeat(events, 'b', HEARTBEAT_MS);
    fake.values.set('KEY', 'v1');
    expect(await c.getSecret('KEY')).toBe('v1');

    // Instance b is cut off from the bus: its change reaches no one.
    fake.values.set('KEY', 'v2');
    for (let i = 0; i < 5; i++) {
      jest.advanceTimersByTime(HEARTBEAT_MS);
      await heartbeat(events, 'a', HEARTBEAT_MS);
    }
    expect(await c.getSecret('KEY')).toBe('v2');
    fake.values.set('KEY', 'v3');
    jest.advanceTimersByTime(2 * SHORT_WINDOW_MS);
    expect(await c.getSecret('KEY')).toBe('v3'); // short window: re-read
    await c.getSecret('KEY');
    expect(
      logger.warn.mock.calls.filter(([m]) => /stopped hearing/.test(m)),
    ).toHaveLength(1);
  });

  it('forgets an instance that says goodbye, and keeps trusting the bus', async () => {
    const events = mockServices.events();
    const { c } = client(events);
    await subscribed(fake);
    await heartbeat(events, 'a');
    await heartbeat(events, 'b', HEARTBEAT_MS);
    await events.publish({
      topic: SECRETS_HEARTBEAT_TOPIC,
      eventPayload: { instance: 'b', intervalMs: 0, stopping: true },
    });
    fake.values.set('KEY', 'v1');
    expect(await c.getSecret('KEY')).toBe('v1');
    fake.values.set('KEY', 'v2');
    jest.advanceTimersByTime(5 * HEARTBEAT_MS); // b would be overdue had it not left
    expect(await c.getSecret('KEY')).toBe('v1');
    expect(fake.requests).toHaveLength(1);
  });

  it('uses the short window when it cannot subscribe, and logs once', async () => {
    const events: EventsService = {
      publish: async () => {},
      subscribe: async () => {
        throw new Error('bus unavailable');
      },
    };
    const { c, logger } = client(events);
    await subscribed(fake);
    fake.values.set('KEY', 'v1');
    expect(await c.getSecret('KEY')).toBe('v1');
    fake.values.set('KEY', 'v2');
    jest.advanceTimersByTime(2 * SHORT_WINDOW_MS);
    expect(await c.getSecret('KEY')).toBe('v2');
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0][0]).toMatch(/bus unavailable/);
  });

  it('uses the short window until it hears any instance', async () => {
    const events = mockServices.events();
    const { c } = client(events);
    await subscribed(fake);
    fake.values.set('KEY', 'v1');
    expect(await c.getSecret('KEY')).toBe('v1');
    fake.values.set('KEY', 'v2');
    jest.advanceTimersByTime(2 * SHORT_WINDOW_MS);
    expect(await c.getSecret('KEY')).toBe('v2');
  });

  it('keeps entity values per (name, entity) and drops only the entity whose event arrives', async () => {
    const events = mockServices.events();
    const { c } = client(events);
    await subscribed(fake);
    await heartbeat(events, 'a');
    const payments = 'component:default/payments';
    const billing = 'component:default/billing';
    fake.values.set('DSN', 'default-1');
    fake.values.set(`DSN@${payments}`, 'payments-1');
    expect(await c.getSecret('DSN', { entityRef: payments })).toBe(
      'payments-1',
    );
    expect(await c.getSecret('DSN', { entityRef: billing })).toBe('default-1');
    expect(fake.requests.map(r => r.url)).toEqual([
      `/secrets/DSN/value?entityRef=${encodeURIComponent(payments)}`,
      `/secrets/DSN/value?entityRef=${encodeURIComponent(billing)}`,
    ]);

    fake.values.set(`DSN@${payments}`, 'payments-2');
    fake.values.set(`DSN@${billing}`, 'billing-2');
    jest.advanceTimersByTime(2 * SHORT_WINDOW_MS);
    expect(await c.getSecret('DSN', { entityRef: payments })).toBe(
      'payments-1',
    );
    await events.publish({
      topic: SECRETS_CHANGED_TOPIC,
      eventPayload: { name: 'DSN', scope: 'entity', entityRef: payments },
    });
    expect(await c.getSecret('DSN', { entityRef: payments })).toBe(
      'payments-2',
    );
    // Another entity's answer is kept until its own event (or the default's).
    expect(await c.getSecret('DSN', { entityRef: billing })).toBe('default-1');
    await changed(events, 'DSN');
    expect(await c.getSecret('DSN', { entityRef: billing })).toBe('billing-2');
    expect(fake.requests).toHaveLength(4);
  });
});
