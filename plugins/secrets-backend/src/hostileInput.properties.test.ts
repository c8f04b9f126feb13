import fc from 'fast-check';
import {
  answer,
  describeHostileInput,
  seen,
} from './__testUtils__/hostileSuite';
import {
  bodyPlanArb,
  NameCase,
  nameArb,
  NUM_RUNS,
  PathEncoding,
  segmentFor,
} from './__testUtils__/hostileArbitraries';
import { CallerName, percentEncodeUtf8 } from './__testUtils__/hostileHttp';
import {
  expectForName,
  JSON_NAME,
  LONG_NAME,
  materialize,
  REGISTERED,
} from './__testUtils__/hostileOracles';

/*
 * Random hostile traffic (fast-check, seeded: see hostileArbitraries.ts):
 * arbitrary names in the path by every caller, arbitrary bodies, content
 * types and versions, and refused callers with arbitrary bodies, each
 * request checked against the designed answer and the state after the
 * previous one. Then the sweep over all of it: no answer to a caller not
 * entitled to values, no log line and no stored row holds a canary.
 */

describeHostileInput(suite => {
  const {
    send,
    put,
    expectState,
    property,
    versionOf,
    expectNoCanaryLeaks,
    canaries,
    transcript,
    logs,
  } = suite;

  describe('properties', () => {
    it('arbitrary names in the path, by every caller: the designed answer, never a stray change', async () => {
      const arb = fc.record({
        name: nameArb,
        encoding: fc.constantFrom<PathEncoding>(
          'encoded',
          'double-encoded',
          'raw',
        ),
        method: fc.constantFrom<'PUT' | 'DELETE' | 'GET'>(
          'PUT',
          'DELETE',
          'GET',
        ),
        caller: fc.constantFrom<CallerName>(
          'admin',
          'admin',
          'plugin',
          'onBehalfOf',
          'nonAdmin',
          'external',
          'anonymous',
        ),
        trailingSlash: fc.boolean(),
      });
      const statuses = await property<NameCase>(
        arb,
        async ({ name, encoding, method, caller, trailingSlash }) => {
          const canary = canaries.next();
          const value =
            name === JSON_NAME ? JSON.stringify({ key: canary }) : canary;
          const segment = segmentFor(name, encoding);
          const rest = `${segment}${method === 'GET' ? '/value' : ''}${
            trailingSlash ? '/' : ''
          }`;
          const expected = expectForName(
            caller,
            method,
            rest,
            value,
            suite.current,
          );
          // Every request carries a body with a canary, GET and DELETE too.
          const res = await send(caller, method, `/secrets/${rest}`, {
            body: JSON.stringify({ value }),
            contentType: 'application/json',
          });
          expect({ ...answer(res, canary), value: res.json?.value }).toEqual({
            status: expected.status,
            value: expected.value,
            leaked: false,
          });
          await expectState(expected.outcome);
          return res.status;
        },
        [
          {
            name: '%252e%252e',
            encoding: 'raw',
            method: 'PUT',
            caller: 'admin',
            trailingSlash: false,
          },
          {
            name: '..%2f..%2fOPENAI_API_KEY',
            encoding: 'raw',
            method: 'GET',
            caller: 'plugin',
            trailingSlash: false,
          },
          {
            name: '..',
            encoding: 'raw',
            method: 'DELETE',
            caller: 'admin',
            trailingSlash: false,
          },
          {
            name: '%zz',
            encoding: 'raw',
            method: 'PUT',
            caller: 'admin',
            trailingSlash: false,
          },
          {
            name: '\ud800',
            encoding: 'encoded',
            method: 'PUT',
            caller: 'admin',
            trailingSlash: true,
          },
          {
            name: LONG_NAME,
            encoding: 'encoded',
            method: 'PUT',
            caller: 'admin',
            trailingSlash: false,
          },
          {
            name: `${LONG_NAME}X`,
            encoding: 'encoded',
            method: 'PUT',
            caller: 'admin',
            trailingSlash: false,
          },
          {
            name: 'OPENAI_API_KEY',
            encoding: 'double-encoded',
            method: 'GET',
            caller: 'admin',
            trailingSlash: false,
          },
          {
            name: 'OPENAI_API_KEY',
            encoding: 'encoded',
            method: 'GET',
            caller: 'plugin',
            trailingSlash: false,
          },
          {
            name: 'OPENAI_API_KEY',
            encoding: 'encoded',
            method: 'DELETE',
            caller: 'admin',
            trailingSlash: true,
          },
        ],
      );
      expect(seen(statuses)).toEqual(
        expect.arrayContaining([200, 204, 400, 401, 403, 404]),
      );
    });

    it('arbitrary bodies, content types and versions: the designed answer; accepted values read back exactly', async () => {
      const statuses = await property(
        bodyPlanArb,
        async plan => {
          const canary = canaries.next();
          const { body, contentType, expected } = materialize(
            plan,
            canary,
            versionOf(plan.target),
          );
          const res = await put(plan.target, body, contentType ?? null);
          expect({
            ...answer(res, canary),
            // errors are Backstage's { error: { name, message } }
            shape: res.status >= 400 ? Object.keys(res.json?.error ?? {}) : [],
          }).toEqual({
            status: expected.status,
            leaked: false,
            shape: expected.status >= 400 ? ['name', 'message'] : [],
          });
          await expectState(expected.outcome);
          return res.status;
        },
        [
          {
            kind: 'set',
            target: 'OPENAI_API_KEY',
            pre: '\u0000😀',
            post: '\u202e中',
            jsonValue: null,
            corruptJson: false,
            ev: { k: 'absent' },
            contentType: 'application/json',
            duplicateValueKey: false,
          },
          {
            kind: 'set',
            target: 'PAGERDUTY_TOKEN',
            pre: '\ud83d',
            post: '',
            jsonValue: null,
            corruptJson: false,
            ev: { k: 'absent' },
            contentType: 'application/json',
            duplicateValueKey: false,
          },
          {
            kind: 'set',
            target: JSON_NAME,
            pre: '',
            post: '',
            jsonValue: { __proto__: { polluted: 1 } },
            corruptJson: false,
            ev: { k: 'raw', text: '1e300' },
            contentType: 'application/json',
            duplicateValueKey: false,
          },
          {
            kind: 'shape',
            target: 'OPENAI_API_KEY',
            shape: 'proto',
            contentType: 'application/json',
          },
          {
            kind: 'wire',
            target: 'OPENAI_API_KEY',
            contentType: 'application/json; charset=latin1',
            form: 'json',
          },
          {
            kind: 'malformed',
            target: 'OPENAI_API_KEY',
            cut: 12,
            how: 'truncated',
          },
        ],
      );
      expect(seen(statuses)).toEqual(expect.arrayContaining([200, 400, 409]));
      // Most well-formed sets are accepted: the oracle is not refusing everything.
      expect(statuses[200]).toBeGreaterThan(NUM_RUNS / 5);
    });

    it('refused callers are refused whatever the (well-formed) body or name, and nothing changes', async () => {
      const arb = fc.record({
        caller: fc.constantFrom<CallerName>(
          'anonymous',
          'nonAdmin',
          'plugin',
          'external',
          'onBehalfOf',
          'actorNotPlugin',
          'invalidToken',
          'wrongAudience',
        ),
        route: fc.constantFrom('list', 'put', 'delete'),
        name: fc.oneof(fc.constantFrom(...REGISTERED), nameArb),
        body: fc.oneof(
          fc.jsonValue({ maxDepth: 2 }),
          fc.constant({ value: '', expectedVersion: -1 }),
          fc.constant({ value: 'not json', __proto__x: 1 }),
        ),
      });
      const statuses = await property(
        arb,
        async ({ caller, route, name, body }) => {
          const canary = canaries.next();
          const text = JSON.stringify({ payload: body, value: canary });
          const path =
            route === 'list'
              ? '/secrets'
              : `/secrets/${percentEncodeUtf8(name)}`;
          const methods: Record<string, string> = {
            list: 'GET',
            put: 'PUT',
            delete: 'DELETE',
          };
          const method = methods[route];
          const res = await send(caller, method, path, {
            body: text,
            contentType: 'application/json',
          });
          const unauthenticated =
            caller === 'anonymous' ||
            caller === 'invalidToken' ||
            caller === 'wrongAudience';
          // An empty name on PUT/DELETE matches no route: 404 (nothing to refuse).
          const routed = route === 'list' || name !== '';
          let expectedStatus = 403;
          if (!routed) expectedStatus = 404;
          if (unauthenticated) expectedStatus = 401;
          expect(answer(res, canary)).toEqual({
            status: expectedStatus,
            leaked: false,
          });
          await expectState({ kind: 'none' });
          return res.status;
        },
      );
      expect(seen(statuses)).toEqual(expect.arrayContaining([401, 403]));
    });
  });

  it('canary sweep: no log line, no answer to a caller not entitled to values, and no stored row holds a canary', async () => {
    // The entitled caller reads what the traffic stored: the answers that
    // may hold values do hold canaries, so sweeping the others is not vacuous.
    for (const name of REGISTERED) {
      await send('plugin', 'GET', `/secrets/${name}/value`);
    }
    // The sweep saw real traffic and real values.
    expect(canaries.issued).toBeGreaterThan(NUM_RUNS * 2);
    expect(transcript.entries.length).toBeGreaterThan(NUM_RUNS * 2);
    expect(
      transcript.entries.some(
        e => e.mayHoldValue && e.text.includes(canaries.prefix),
      ),
    ).toBe(true);
    expect(logs.matching(/secret-set/).length).toBeGreaterThan(10);

    await expectNoCanaryLeaks();
  });
});
