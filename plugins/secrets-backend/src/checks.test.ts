import request from 'supertest';
import type http from 'node:http';
import type { JsonObject } from '@backstage/types';
import type { SecretDefinition } from '@backstage-secrets/plugin-secrets-node';
import { plantCanary } from './__testUtils__/canaries';
import { LogCapture } from './__testUtils__/capturingLogger';
import { createTestDatabases } from './__testUtils__/databases';
import { CALLER_HEADERS } from './__testUtils__/hostileHttp';
import { startSecretsBackend } from './__testUtils__/testBackend';

/*
 * Checks of values with their providers (SecretDefinition.validate): a PUT
 * runs the check unless told to skip it, and a value the check refuses (or
 * a check that throws or takes too long) is answered 422 with nothing
 * stored; POST /secrets/:name/check runs it on the current value and
 * records the outcome on the summary. No value ever appears in an answer,
 * a log line or an audit event (the canary sweep of setupTests.ts, and the
 * answers checked here).
 */

jest.setTimeout(60_000);

const databases = createTestDatabases();

/** The one value the fake provider accepts. */
const GOOD = plantCanary('sk-check-good-5f1a0c9e2b7d');
const BAD = plantCanary('sk-check-bad-81c44e0a9d3f');
const PROVIDER_MESSAGE = 'The provider says: this token is not valid (401).';

/** Values handed to checks, to see which value a check got. */
const seen: string[] = [];
/** Whether the slow check saw its signal abort. */
const aborted: string[] = [];

const DEFINITIONS: SecretDefinition[] = [
  {
    name: 'CHECKED_KEY',
    async validate(value) {
      seen.push(value);
      return value === GOOD
        ? { ok: true }
        : { ok: false, message: PROVIDER_MESSAGE };
    },
  },
  {
    // A provider message that quotes the key: withheld, not shown.
    name: 'ECHOING_KEY',
    async validate(value) {
      return {
        ok: false,
        message: `Incorrect API key provided: ${value.slice(0, 20)}…`,
      };
    },
  },
  {
    name: 'THROWING_KEY',
    async validate(value) {
      throw new Error(`request to https://provider.test/?key=${value} failed`);
    },
  },
  {
    // Never answers; honours its signal.
    name: 'SLOW_KEY',
    validate(_value, { signal }) {
      return new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          aborted.push('SLOW_KEY');
          reject(signal.reason);
        });
      });
    },
  },
  {
    // Never answers and ignores its signal: still time-boxed.
    name: 'DEAF_KEY',
    validate: () => new Promise(() => {}),
  },
  {
    name: 'PINNED_KEY',
    async validate(value) {
      return value === GOOD
        ? { ok: true }
        : { ok: false, message: PROVIDER_MESSAGE };
    },
  },
  { name: 'PLAIN_KEY' },
];

function auditEvents(logs: LogCapture, eventId: string) {
  return logs
    .matching(/"isAuditEvent":true/)
    .map(line => JSON.parse(line))
    .filter(event => event.eventId === eventId);
}

describe.each(databases.eachSupportedId())('checks on %p', databaseId => {
  let server: http.Server;
  let logs: LogCapture;
  /** Every answer's text, for the canary check. */
  const answers: string[] = [];

  beforeAll(async () => {
    aborted.length = 0;
    const knex = await databases.init(databaseId);
    logs = new LogCapture();
    const started = await startSecretsBackend({
      knex,
      logs,
      definitions: DEFINITIONS,
      config: {
        secrets: {
          validation: { timeout: { milliseconds: 300 } },
          values: { PINNED_KEY: GOOD },
        },
      } as JsonObject,
    });
    server = started.server;
  });

  async function put(name: string, body: object) {
    const res = await request(server)
      .put(`/api/secrets/secrets/${name}`)
      .set('Authorization', CALLER_HEADERS.admin)
      .send(body);
    answers.push(res.text);
    return res;
  }

  async function check(name: string, caller = CALLER_HEADERS.admin) {
    const res = await request(server)
      .post(`/api/secrets/secrets/${name}/check`)
      .set('Authorization', caller);
    answers.push(res.text);
    return res;
  }

  async function summary(name: string) {
    const res = await request(server)
      .get('/api/secrets/secrets')
      .set('Authorization', CALLER_HEADERS.admin);
    answers.push(res.text);
    return res.body.items.find((item: { name: string }) => item.name === name);
  }

  it('refuses a value the check does not accept: 422 with the message, nothing stored', async () => {
    const res = await put('CHECKED_KEY', { value: BAD });
    expect(res.status).toBe(422);
    expect(res.body.error).toEqual({
      name: 'SecretCheckFailedError',
      message: `The check of CHECKED_KEY did not pass, so the value was not saved: ${PROVIDER_MESSAGE}`,
    });
    expect(seen).toContain(BAD);
    expect(await summary('CHECKED_KEY')).toMatchObject({
      source: 'unset',
      checkable: true,
    });
    expect((await summary('CHECKED_KEY')).version).toBeUndefined();
  });

  it('stores a value the check accepts, with the check recorded for that version', async () => {
    const res = await put('CHECKED_KEY', { value: GOOD });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      version: 1,
      checkable: true,
      lastCheckOk: true,
      lastCheckedAt: expect.any(String),
    });
    expect(await summary('CHECKED_KEY')).toMatchObject({
      version: 1,
      lastCheckOk: true,
      lastCheckedAt: res.body.lastCheckedAt,
    });
  });

  it('a failed check keeps the stored version', async () => {
    const res = await put('CHECKED_KEY', { value: BAD });
    expect(res.status).toBe(422);
    // The admin sees the provider's message; the audit trail only the outcome.
    expect(res.body.error.message).toContain(PROVIDER_MESSAGE);
    const failed = auditEvents(logs, 'secret-set').filter(
      event => event.status === 'failed',
    );
    expect(failed.at(-1)).toMatchObject({
      meta: { name: 'CHECKED_KEY', outcome: 'check-failed' },
    });
    expect(JSON.stringify(failed)).not.toContain(PROVIDER_MESSAGE);
    expect(await summary('CHECKED_KEY')).toMatchObject({
      version: 1,
      lastCheckOk: true,
    });
  });

  it('skipValidation stores without the check, and the old check no longer shows', async () => {
    const before = seen.length;
    const res = await put('CHECKED_KEY', { value: BAD, skipValidation: true });
    expect(res.status).toBe(200);
    expect(seen.length).toBe(before);
    expect(res.body).toMatchObject({ version: 2, checkable: true });
    expect(res.body.lastCheckedAt).toBeUndefined();
    expect(res.body.lastCheckOk).toBeUndefined();
    const audit = auditEvents(logs, 'secret-set').filter(
      event => event.status === 'succeeded' && event.meta.version === 2,
    );
    expect(audit).toEqual([
      expect.objectContaining({
        meta: expect.objectContaining({ skipValidation: true }),
      }),
    ]);
  });

  it('POST check runs the check on the stored value and records it', async () => {
    const res = await check('CHECKED_KEY');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ok: false,
      message: PROVIDER_MESSAGE,
      checkedAt: expect.any(String),
    });
    expect(seen[seen.length - 1]).toBe(BAD);
    expect(await summary('CHECKED_KEY')).toMatchObject({
      version: 2,
      lastCheckedAt: res.body.checkedAt,
      lastCheckOk: false,
    });

    expect((await put('CHECKED_KEY', { value: GOOD })).status).toBe(200);
    const passed = await check('CHECKED_KEY');
    expect(passed.body).toEqual({ ok: true, checkedAt: expect.any(String) });
    expect(await summary('CHECKED_KEY')).toMatchObject({
      version: 3,
      lastCheckedAt: passed.body.checkedAt,
      lastCheckOk: true,
    });
    expect(
      auditEvents(logs, 'secret-check')
        .filter(event => event.status === 'succeeded')
        .map(event => event.meta),
    ).toEqual([
      { name: 'CHECKED_KEY', ok: false },
      { name: 'CHECKED_KEY', ok: true },
    ]);
  });

  it('a check does not count as a use of the secret', async () => {
    await check('CHECKED_KEY');
    expect((await summary('CHECKED_KEY')).lastUsedAt).toBeUndefined();
  });

  it('checks a pinned value (the value a read gets) and records it for the pin', async () => {
    const res = await check('PINNED_KEY');
    expect(res.body).toEqual({ ok: true, checkedAt: expect.any(String) });
    expect(await summary('PINNED_KEY')).toMatchObject({
      source: 'config',
      lastCheckOk: true,
      lastCheckedAt: res.body.checkedAt,
    });
  });

  it('times out a check that does not finish: 422 naming the time box, abort signalled, nothing stored', async () => {
    for (const name of ['SLOW_KEY', 'DEAF_KEY']) {
      const res = await put(name, { value: GOOD });
      expect(res.status).toBe(422);
      expect(res.body.error.message).toBe(
        `The check of ${name} did not pass, so the value was not saved: The check of ${name} did not finish within 300 ms (secrets.validation.timeout); the provider may be slow or unreachable. Try again, or save without the check.`,
      );
      expect((await summary(name)).source).toBe('unset');
    }
    expect(aborted).toEqual(['SLOW_KEY']);
  });

  it('a check that throws answers 422 with a message of its own, never the error text', async () => {
    const res = await put('THROWING_KEY', { value: BAD });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(
      /^The check of THROWING_KEY did not pass, so the value was not saved: The check of THROWING_KEY failed with an unexpected error/,
    );
    expect(res.text).not.toContain('provider.test');
    expect(logs.text()).not.toContain('provider.test');
    expect((await summary('THROWING_KEY')).source).toBe('unset');
  });

  it('withholds a provider message that quotes the value', async () => {
    const res = await put('ECHOING_KEY', { value: BAD });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe(
      'The check of ECHOING_KEY did not pass, so the value was not saved: The check of ECHOING_KEY did not accept the value; its message is not shown because it contains (part of) the value.',
    );
    expect(
      (await put('ECHOING_KEY', { value: BAD, skipValidation: true })).status,
    ).toBe(200);
    const checked = await check('ECHOING_KEY');
    expect(checked.body.message).toMatch(/its message is not shown/);
  });

  it.each([
    ['no check', 'PLAIN_KEY', 400, /PLAIN_KEY cannot be checked/],
    ['no value', 'SLOW_KEY', 404, /SLOW_KEY is not set/],
    ['no such secret', 'NOT_REGISTERED', 404, /not registered/],
    ['an invalid name', 'not-a-name', 400, /Invalid secret name/],
  ])(
    'POST check of a secret with %s → %i',
    async (_what, name, status, message) => {
      const res = await check(name);
      expect(res.status).toBe(status);
      expect(res.body.error.message).toMatch(message);
    },
  );

  it('POST check needs manage-secrets', async () => {
    const res = await check('CHECKED_KEY', CALLER_HEADERS.nonAdmin);
    expect(res.status).toBe(403);
    expect(
      auditEvents(logs, 'secret-check').filter(
        event => event.status === 'failed' && event.meta.denied,
      ),
    ).toHaveLength(1);
  });

  it('refuses a skipValidation that is not a boolean', async () => {
    const res = await put('CHECKED_KEY', {
      value: BAD,
      skipValidation: 'yes',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(
      /skipValidation must be true or false/,
    );
  });

  // Every answer is recorded (put, check, summary); this test makes its
  // own, one of each kind that could quote a value, so that it checks
  // something when run alone (-t), and then sweeps all answers so far.
  it('no answer held a value', async () => {
    const before = answers.length;
    await put('CHECKED_KEY', { value: BAD }); // refused: the provider's message
    await put('ECHOING_KEY', { value: BAD }); // refused: a message that quotes it
    await put('THROWING_KEY', { value: BAD }); // refused: an error that quotes it
    await check('PINNED_KEY'); // checked: the pinned value
    await summary('CHECKED_KEY');
    expect(answers.length).toBe(before + 5);
    for (const canary of [GOOD, BAD]) {
      expect(answers.filter(text => text.includes(canary))).toEqual([]);
    }
  });
});
