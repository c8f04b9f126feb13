import { describeHostileInput } from './__testUtils__/hostileSuite';
import type { CallerName } from './__testUtils__/hostileHttp';

describeHostileInput(suite => {
  const { send, expectState, canaries } = suite;

  describe('authorization before input', () => {
    /*
     * The design answers 403 to a signed-in caller who may not use a route,
     * whatever they send: the router decides access (service/access.ts)
     * before it parses the body, and before express decodes `:name`. A
     * non-admin, a backend plugin on a manage route, or the admin on the
     * value route gets 403, not 400/413, for a malformed body or name. The
     * first test holds the invariant (no 5xx, no change, no echo), the
     * second the designed answer.
     */
    const cases: Array<
      [string, CallerName, string, string, string | Buffer, string | undefined]
    > = [
      [
        'malformed JSON from a non-admin',
        'nonAdmin',
        'PUT',
        '/secrets/PAGERDUTY_TOKEN',
        '{"value": cnry',
        'application/json',
      ],
      [
        'latin1 JSON from a non-admin',
        'nonAdmin',
        'PUT',
        '/secrets/PAGERDUTY_TOKEN',
        '{"value":"cnry"}',
        'application/json; charset=latin1',
      ],
      [
        'a 1 MB body from a non-admin',
        'nonAdmin',
        'PUT',
        '/secrets/PAGERDUTY_TOKEN',
        `{"value":"cnry${'a'.repeat(1024 * 1024)}"}`,
        'application/json',
      ],
      [
        'malformed JSON from a non-admin on the restore route',
        'nonAdmin',
        'POST',
        '/secrets/PAGERDUTY_TOKEN/versions/1/restore',
        '{"expectedVersion": cnry',
        'application/json',
      ],
      [
        'an invalid version from a backend plugin on the restore route',
        'plugin',
        'POST',
        '/secrets/PAGERDUTY_TOKEN/versions/cnry/restore',
        '{}',
        'application/json',
      ],
      [
        'an invalid purge query from a non-admin',
        'nonAdmin',
        'DELETE',
        '/secrets/PAGERDUTY_TOKEN?purge=cnry',
        '',
        undefined,
      ],
      [
        'malformed JSON from a backend plugin on a manage route',
        'plugin',
        'DELETE',
        '/secrets/PAGERDUTY_TOKEN',
        '{"value": cnry',
        'application/json',
      ],
      [
        'malformed JSON from the admin on the value route',
        'admin',
        'GET',
        '/secrets/OPENAI_API_KEY/value',
        '{"value": cnry',
        'application/json',
      ],
      [
        'a malformed escape in the name from a non-admin',
        'nonAdmin',
        'PUT',
        '/secrets/%E0%A4%A',
        '{"value":"cnry"}',
        'application/json',
      ],
      [
        'a malformed escape in the name from the admin on the value route',
        'admin',
        'GET',
        '/secrets/%zz/value',
        '',
        undefined,
      ],
    ];

    it.each(cases)(
      'refuses %s: no 5xx, no change, no echo',
      async (_what, caller, method, path, body, contentType) => {
        const canary = canaries.next();
        const res = await send(caller, method, path, {
          body: typeof body === 'string' ? body.replace('cnry', canary) : body,
          contentType,
        });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.text).not.toContain(canary);
        await expectState({ kind: 'none' });
      },
    );

    it.each(cases)(
      'refuses %s with 403, as designed: authorization comes before input',
      async (_what, caller, method, path, body, contentType) => {
        const res = await send(caller, method, path, {
          body:
            typeof body === 'string'
              ? body.replace('cnry', canaries.next())
              : body,
          contentType,
        });
        expect(res.status).toBe(403);
      },
    );
  });
});
