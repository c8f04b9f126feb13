import { randomUUID } from 'node:crypto';
import request from 'supertest';
import knexFactory, { type Knex } from 'knex';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  eventsServiceFactory,
  eventsServiceRef,
} from '@backstage/plugin-events-node';
import eventsPlugin from '@backstage/plugin-events-backend';
import {
  SECRETS_HEARTBEAT_TOPIC,
  SecretsService,
  secretsServiceRef,
} from '@backstage-secrets/plugin-secrets-node';
import { plantCanary } from './__testUtils__/canaries';
import { LogCapture } from './__testUtils__/capturingLogger';
import {
  createTestDatabases,
  describeOnPostgres,
} from './__testUtils__/databases';
import { CALLER_HEADERS } from './__testUtils__/hostileHttp';
import {
  onBehalfOfAwareAuth,
  startSecretsBackend,
} from './__testUtils__/testBackend';

/*
 * Change events across replicas: two backends (secrets + the events
 * backend, real events service) on one PostgreSQL database, each with its
 * own connection pool, as two replicas would be. The events backend keeps
 * its bus in the database only on PostgreSQL (on SQLite it is in memory,
 * per process), so this suite runs on PostgreSQL only.
 *
 * maxStaleness is an hour: a reader on B that sees A's change did so
 * through the event, not through the safety window. No test asserts a
 * duration; they wait for an outcome with a deadline far below the hour.
 */

jest.setTimeout(120_000);

const databases = createTestDatabases();
const CANARY = plantCanary('sk-events-canary-41f9e0');
const USER_CANARY = plantCanary('sk-events-user-canary-9b3c22');
const BOB = 'user:default/bob';
const NAME = 'EVENTS_KEY';
const USER_NAME = 'EVENTS_USER_KEY';

/** A reader plugin that hands the test its secrets service, and counts heartbeats. */
function consumerPlugin() {
  const captured: { reader?: SecretsService; instances: Set<string> } = {
    instances: new Set(),
  };
  const feature = createBackendPlugin({
    pluginId: 'consumer',
    register(env) {
      env.registerInit({
        deps: { secrets: secretsServiceRef, events: eventsServiceRef },
        async init({ secrets, events }) {
          captured.reader = secrets;
          // The same bus the client listens to: tells the test when this
          // replica hears both instances (the client then trusts the bus).
          await events.subscribe({
            // One id per replica: the bus delivers an event once per id.
            id: `heartbeat-probe-${randomUUID()}`,
            topics: [SECRETS_HEARTBEAT_TOPIC],
            onEvent: async ({ eventPayload }) => {
              captured.instances.add((eventPayload as any).instance);
            },
          });
        },
      });
    },
  });
  return { feature, captured };
}

async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Never saw ${what}`);
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

const onBehalfOf = (userRef: string) =>
  mockCredentials.user(userRef, { actor: { subject: 'plugin:consumer' } });

// Without PostgreSQL the suite reports its tests as skipped, saying why
// (under CI, SECRETS_TEST_REQUIRE_POSTGRES=1 fails the file instead).
describeOnPostgres(databases, 'change events across two replicas on %p', id => {
  const pools: Knex[] = [];
  const backends: Array<{ stop(): Promise<void> }> = [];
  afterAll(async () => {
    // Replicas first (the events listener holds a connection), then pools.
    await Promise.all(backends.map(backend => backend.stop()));
    await Promise.all(pools.map(pool => pool.destroy()));
  });

  async function replica(knex: Knex, logs: LogCapture) {
    const consumer = consumerPlugin();
    const started = await startSecretsBackend({
      knex,
      logs,
      config: {
        secrets: {
          client: { maxStaleness: '1h' },
          events: { heartbeatInterval: { milliseconds: 200 } },
        },
      },
      definitions: [
        { name: NAME },
        { name: USER_NAME, scope: 'user', readers: ['consumer'] },
      ],
      features: [
        eventsPlugin,
        eventsServiceFactory,
        consumer.feature,
        onBehalfOfAwareAuth,
      ],
    });
    backends.push(started.backend);
    return { ...started, ...consumer.captured };
  }

  async function start() {
    // A pool per replica, large enough for the events backend's listener
    // (it holds one connection for LISTEN) beside the plugins' queries.
    const created = await databases.init(id);
    const pool = () =>
      knexFactory({
        client: 'pg',
        connection: created.client.config.connection,
        pool: { min: 0, max: 10 },
      });
    const knexA = pool();
    const knexB = pool();
    pools.push(knexA, knexB);
    const logs = new LogCapture();
    const a = await replica(knexA, logs);
    const b = await replica(knexB, logs);
    // Both replicas hear both instances: their clients trust the bus.
    await eventually(
      async () => Math.min(a.instances.size, b.instances.size),
      n => n >= 2,
      'heartbeats of both instances on both replicas',
    );
    return { a, b, knex: knexA, logs };
  }

  it('serves a change made on A from B’s next read after its event, and never a cleared value', async () => {
    const { a, b, knex, logs } = await start();
    const put = (value: string) =>
      request(a.server)
        .put(`/api/secrets/secrets/${NAME}`)
        .set('Authorization', CALLER_HEADERS.admin)
        .send({ value });
    expect((await put(`${CANARY}-v1`)).status).toBe(200);
    const readB = () => b.reader!.getSecret(NAME);
    await eventually(readB, v => v === `${CANARY}-v1`, 'v1 on B');

    expect((await put(`${CANARY}-v2`)).status).toBe(200);
    await eventually(readB, v => v === `${CANARY}-v2`, 'v2 on B');

    const cleared = await request(a.server)
      .delete(`/api/secrets/secrets/${NAME}`)
      .set('Authorization', CALLER_HEADERS.admin);
    expect(cleared.status).toBe(204);
    await eventually(readB, v => v === undefined, 'the clear on B');
    // Once seen, never served again: B keeps answering "unset".
    for (let i = 0; i < 20; i++) expect(await readB()).toBeUndefined();

    // No value in the event bus's storage (nor in the logs: setupTests.ts
    // sweeps every capture for the canaries).
    const events = await knex('event_bus_events').select();
    expect(events.length).toBeGreaterThan(0);
    expect(events.map(e => e.topic)).toContain('secrets.changed');
    const stored = JSON.stringify(events);
    expect(stored).not.toContain(CANARY);
    expect(stored).toContain(NAME);
    expect(logs.text()).not.toContain(CANARY);
  });

  it('stops serving a user’s value on B once the user revokes the grant on A', async () => {
    const { a, b, knex } = await start();
    const bob = mockCredentials.user.header(BOB);
    expect(
      (
        await request(a.server)
          .put(`/api/secrets/user/secrets/${USER_NAME}`)
          .set('Authorization', bob)
          .send({ value: USER_CANARY })
      ).status,
    ).toBe(200);
    const grant = (allowed: boolean) =>
      request(a.server)
        .put(`/api/secrets/user/secrets/${USER_NAME}/grants/consumer`)
        .set('Authorization', bob)
        .send({ allowed });
    expect((await grant(true)).status).toBe(200);
    const readB = () =>
      b.reader!.getSecret(USER_NAME, { onBehalfOf: onBehalfOf(BOB) }).then(
        value => ({ value }),
        error => ({ error: error.name as string }),
      );
    await eventually(
      readB,
      r => 'value' in r && r.value === USER_CANARY,
      'Bob’s value on B',
    );

    expect((await grant(false)).status).toBe(200);
    await eventually(
      readB,
      r => 'error' in r && r.error === 'NotAllowedError',
      'the revoked grant on B',
    );
    for (let i = 0; i < 20; i++) {
      expect(await readB()).toEqual({ error: 'NotAllowedError' });
    }
    const stored = JSON.stringify(await knex('event_bus_events').select());
    expect(stored).not.toContain(USER_CANARY);
    expect(stored).not.toContain(BOB);
  });
});
