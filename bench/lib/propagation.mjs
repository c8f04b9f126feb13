// Propagation across two instances on one PostgreSQL database, with the
// events backend as the event bus: how soon instance B's consumer sees a
// PUT on instance A, how often a hot secret still reaches the backend, and
// the fallback with the bus down. Measurement only: the rows and the text
// of docs/benchmarks.md are built in scripts/bench.mjs and report.mjs.
import { createRequire } from 'node:module';
import { startWorker } from './workers.mjs';

const require = createRequire(import.meta.url);

/** The secrets settings of every instance of these cases. */
export const EVENTS_SECRETS_CONFIG = {
  client: { maxStaleness: { seconds: 10 } },
  events: { heartbeatInterval: { seconds: 2 } },
};
const HEARTBEAT_MS = 2000;
/** A client distrusts the bus once an instance is 2.5 intervals late. */
const DETECTION_MS = 2.5 * HEARTBEAT_MS;

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

function percentile(sortedUs, q) {
  return sortedUs[
    Math.min(
      sortedUs.length - 1,
      Math.max(0, Math.ceil(q * sortedUs.length) - 1),
    )
  ];
}

/**
 * Trials of "PUT on A, poll B's secretsServiceRef until it returns the new
 * value", with a random phase of up to `phaseMs` before each PUT; two
 * warm-up trials first. Delays in µs, from the start of the PUT
 * (`process.hrtime` is system-wide, so the processes' stamps compare).
 */
export async function propagationTrials(a, b, plan) {
  const { name } = await a.call('storedName', { index: 5 });
  const fromStart = [];
  const fromResponse = [];
  const puts = [];
  let timeouts = 0;
  for (let trial = -1; trial <= plan.trials; trial++) {
    if (trial === 0) continue;
    const { value } = await a.call('expected', {
      name,
      round: plan.round + trial + 10,
    });
    await b.call('startWatch', {
      name,
      value,
      timeoutMs: plan.timeoutMs,
      pollMs: plan.pollMs,
    });
    await sleep(Math.floor(Math.random() * plan.phaseMs));
    const put = await a.call('timedPut', { name, value });
    const seen = await b.call('watchResult', {}, plan.timeoutMs + 5000);
    if (trial < 0) continue;
    if (!seen.seenAtNs) {
      timeouts++;
      continue;
    }
    const us = (x, y) => Number(BigInt(x) - BigInt(y)) / 1e3;
    fromStart.push(us(seen.seenAtNs, put.startNs));
    fromResponse.push(us(seen.seenAtNs, put.endNs));
    puts.push(us(put.endNs, put.startNs));
  }
  const sorted = [...fromStart].sort((x, y) => x - y);
  const sortedAfter = [...fromResponse].sort((x, y) => x - y);
  return {
    trials: plan.trials,
    seen: fromStart.length,
    timeouts,
    p50: percentile(sorted, 0.5),
    max: sorted[sorted.length - 1],
    p50AfterPutReturned: percentile(sortedAfter, 0.5),
    maxAfterPutReturned: sortedAfter[sortedAfter.length - 1],
    maxPut: Math.max(...puts),
    trialsMs: fromStart.map(v => Math.round(v / 1000)),
  };
}

/** Renames the events backend's event table away (bus down) and back. */
async function setBus(postgresUrl, database, up) {
  const { Client } = require('pg');
  const url = new URL(postgresUrl);
  url.pathname = `/${database}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(
      up
        ? 'ALTER TABLE event_bus_events_down RENAME TO event_bus_events'
        : 'ALTER TABLE event_bus_events RENAME TO event_bus_events_down',
    );
  } finally {
    await client.end();
  }
}

/**
 * The PostgreSQL cases of change events. `workerA` runs with the events
 * backend and EVENTS_SECRETS_CONFIG; B is started here the same way.
 */
export async function eventsCases({
  workerA,
  prefix,
  database,
  tmpDir,
  registered,
  stored,
  plan,
  postgresUrl,
  log,
}) {
  log(
    'PostgreSQL: starting instance B on the same database, with the event bus…',
  );
  const b = await startWorker({
    label: 'postgres-instance-b',
    tmpDir,
    database,
    registered,
    stored,
    seed: false,
    events: true,
    secretsConfig: EVENTS_SECRETS_CONFIG,
  });
  try {
    // Both clients trust the bus once they heard both instances.
    await sleep(3 * HEARTBEAT_MS);
    log(`PostgreSQL: propagation with events, ${plan.trials} trials…`);
    const events = await propagationTrials(workerA, b, {
      ...plan,
      round: 900_000,
    });

    const { name } = await workerA.call('storedName', { index: 7 });
    log(
      `PostgreSQL: a hot secret read in a loop on B for ${
        plan.hotMs / 1000
      } s (maxStaleness ${
        EVENTS_SECRETS_CONFIG.client.maxStaleness.seconds
      } s)…`,
    );
    const hot = await b.call(
      'hotReads',
      { name, durationMs: plan.hotMs, pollMs: plan.pollMs },
      plan.hotMs + 30_000,
    );

    log('PostgreSQL: event bus down (its table renamed away), fallback…');
    const eventsDb = `${prefix}events`;
    await setBus(postgresUrl, eventsDb, false);
    let fallback;
    try {
      await sleep(DETECTION_MS + HEARTBEAT_MS);
      fallback = await propagationTrials(workerA, b, {
        ...plan,
        trials: plan.fallbackTrials,
        round: 950_000,
      });
    } finally {
      await setBus(postgresUrl, eventsDb, true);
    }
    return {
      events,
      hot: {
        ...hot,
        maxStalenessMs:
          EVENTS_SECRETS_CONFIG.client.maxStaleness.seconds * 1000,
      },
      fallback: { ...fallback, detectionMs: DETECTION_MS },
    };
  } finally {
    await b.stop();
  }
}
