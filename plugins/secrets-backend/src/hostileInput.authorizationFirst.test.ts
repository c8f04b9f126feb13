import { describeHostileInput } from './__testUtils__/hostileSuite';
import type { CallerName } from './__testUtils__/hostileHttp';

describeHostileInput(suite => {
  const { send, expectState, canaries } = suite;

  describe('authorization before input', () => {
    /*
     * The design answers 403 to a signed-in caller who may not use a route,
     * whatever they send: the router decides access (access/accessGate.ts)
     * before it parses the body, and before express decodes `:name`. A
     * non-admin, a backend plugin on a manage route, or the admin on the
     * value route gets 403, not 400/413, for a malformed body or name. The
     * first test holds the invariant (no 5xx, no change, no echo), the
     * second the designed answer.
     *
     * `cnry` marks where each case carries a marker: in the body, the
     * path or the query. Every case carries one (the first test checks
     * that it was sent), so "no echo" is checked for every case. In a body
     * the marker is a canary (swept from the logs too); in a path or query
     * it is a plain marker, since audit events record the request's URL,
     * as does Backstage's error body (`request.url`: the URL the caller
     * sent, checked to be exactly that). Beyond that echo, no answer holds
     * the marker.
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
        '/secrets/%zzcnry/value',
        '',
        undefined,
      ],
    ];

    let markers = 0;
    /** The case's request with a marker where `cnry` stands, and the marker. */
    function withMarker(path: string, body: string | Buffer) {
      if (path.includes('cnry')) {
        const marker = `pathmark${(markers += 1)}x`;
        return { path: path.replace('cnry', marker), body, marker };
      }
      const marker = canaries.next();
      return {
        path,
        body: typeof body === 'string' ? body.replace('cnry', marker) : body,
        marker,
      };
    }

    /**
     * The answer without Backstage's echo of the request line, after
     * checking that the echo is the caller's own URL and nothing else.
     */
    function beyondRequestEcho(res: { text: string; json?: any }, url: string) {
      if (!res.json) return res.text;
      const { request, ...rest } = res.json;
      expect(request).toEqual({ method: expect.any(String), url });
      return JSON.stringify(rest);
    }

    it.each(cases)(
      'refuses %s: no 5xx, no change, no echo',
      async (_what, caller, method, path, body, contentType) => {
        const sent = withMarker(path, body);
        // The marker is in what is sent: the "no echo" below can fail.
        expect(`${sent.path} ${sent.body}`).toContain(sent.marker);
        const res = await send(caller, method, sent.path, {
          body: sent.body,
          contentType,
        });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(beyondRequestEcho(res, sent.path)).not.toContain(sent.marker);
        await expectState({ kind: 'none' });
      },
    );

    it.each(cases)(
      'refuses %s with 403, as designed: authorization comes before input',
      async (_what, caller, method, path, body, contentType) => {
        const sent = withMarker(path, body);
        const res = await send(caller, method, sent.path, {
          body: sent.body,
          contentType,
        });
        expect(res.status).toBe(403);
      },
    );
  });
});
