import { describeHostileInput } from './__testUtils__/hostileSuite';
import { JSON_NAME } from './__testUtils__/hostileOracles';

/*
 * Request bodies that are not `{"value": "<string>"}`: other JSON shapes,
 * empty bodies, other content types and charsets, UTF-16 bytes, prototype
 * pollution in the body and the query string. Random bodies are in
 * hostileInput.properties.test.ts.
 */

describeHostileInput(suite => {
  const { send, put, expectSet, expectRefused, canaries } = suite;

  describe('bodies', () => {
    it.each<[string, string]>([
      ['a JSON array', '["v"]'],
      ['an array of objects', '[{"value":"v"}]'],
      ['a JSON number', '42'],
      ['JSON null', 'null'],
      ['a JSON string', '"v"'],
      ['JSON true', 'true'],
      ['an empty object', '{}'],
      ['an object without value', '{"expectedVersion":0}'],
    ])('refuses %s with 400', async (_what, template) => {
      const canary = canaries.next();
      const res = await put(
        'PAGERDUTY_TOKEN',
        template.replace(/\bv\b/, canary),
      );
      expect(res.json?.error?.name).toBe('InputError');
      await expectRefused(res, 400, canary);
    });

    it.each<[string, string | undefined, string | null]>([
      ['no body, no content type', undefined, null],
      ['an empty body, no content type', '', null],
      ['an empty body as application/json', '', 'application/json'],
      ['whitespace as application/json', '  \n ', 'application/json'],
      ['an empty value', '{"value":""}', 'application/json'],
    ])('refuses %s with 400', async (_what, body, contentType) => {
      const res = await put('PAGERDUTY_TOKEN', body, contentType);
      expect(res.json?.error?.name).toBe('InputError');
      await expectRefused(res, 400, 'no-canary-in-an-empty-body');
    });

    it.each<[string, string | null, (value: string) => string, RegExp]>([
      ['text/plain', 'text/plain', v => v, /value is required/],
      [
        'JSON as text/plain',
        'text/plain',
        v => JSON.stringify({ value: v }),
        /value is required/,
      ],
      [
        'a form',
        'application/x-www-form-urlencoded',
        v => `value=${v}`,
        /value is required/,
      ],
      [
        'multipart',
        'multipart/form-data; boundary=b',
        v =>
          `--b\r\nContent-Disposition: form-data; name="value"\r\n\r\n${v}\r\n--b--\r\n`,
        /value is required/,
      ],
      [
        'JSON in latin1',
        'application/json; charset=latin1',
        v => JSON.stringify({ value: v }),
        /UTF-8/,
      ],
      [
        'JSON in iso-8859-1',
        'application/json; charset=ISO-8859-1',
        v => JSON.stringify({ value: v }),
        /UTF-8/,
      ],
      [
        'JSON without a content type',
        null,
        v => JSON.stringify({ value: v }),
        /value is required/,
      ],
      [
        'a malformed content type',
        'application/json;;;=',
        v => JSON.stringify({ value: v }),
        /./,
      ],
    ])(
      'refuses %s with 400, naming the problem',
      async (_what, contentType, body, message) => {
        const canary = canaries.next();
        const res = await put('PAGERDUTY_TOKEN', body(canary), contentType);
        await expectRefused(res, 400, canary);
        expect(res.json.error.message).toMatch(message);
      },
    );

    it('refuses UTF-16 bytes declared as UTF-8, without echoing them', async () => {
      const canary = canaries.next();
      const body = Buffer.from(JSON.stringify({ value: canary }), 'utf16le');
      const res = await put(
        'PAGERDUTY_TOKEN',
        body,
        'application/json; charset=utf-8',
      );
      expect(res.json?.error?.message).toMatch(/not valid JSON/);
      await expectRefused(res, 400, canary);
    });

    it.each<[string, string, RegExp]>([
      [
        '__proto__ next to value',
        '{"value":"v","__proto__":{"polluted":1}}',
        /Unrecognized key/,
      ],
      ['__proto__ alone', '{"__proto__":{"value":"v","polluted":1}}', /./],
      [
        'constructor.prototype',
        '{"value":"v","constructor":{"prototype":{"polluted":1}}}',
        /Unrecognized key/,
      ],
      [
        'constructor.prototype alone',
        '{"constructor":{"prototype":{"value":"v","polluted":1}}}',
        /./,
      ],
      [
        'a nested __proto__ in value',
        '{"value":{"__proto__":{"polluted":1}}}',
        /value must be a string/,
      ],
      [
        'prototype',
        '{"value":"v","prototype":{"polluted":1}}',
        /Unrecognized key/,
      ],
    ])(
      'refuses %s with 400 and pollutes nothing',
      async (_what, template, message) => {
        const canary = canaries.next();
        const res = await put(
          'OPENAI_API_KEY',
          template.replace('"v"', JSON.stringify(canary)),
        );
        await expectRefused(res, 400, canary);
        expect(res.json.error.message).toMatch(message);
        expect(({} as any).polluted).toBeUndefined();
        expect(
          Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'),
        ).toBe(false);
      },
    );

    it('stores a JSON value whose keys are __proto__ and constructor as it is, and pollutes nothing', async () => {
      const value = `{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"c":"${canaries.next()}"}`;
      const res = await put(JSON_NAME, JSON.stringify({ value }));
      expect(res.status).toBe(200);
      await expectSet(JSON_NAME, value);
      expect(({} as any).polluted).toBeUndefined();
    });

    it('ignores prototype pollution in query strings', async () => {
      for (const query of [
        '__proto__[polluted]=1',
        '__proto__.polluted=1',
        'constructor[prototype][polluted]=1',
        '__proto__=polluted',
      ]) {
        const list = await send('admin', 'GET', `/secrets?${query}`);
        const read = await send(
          'plugin',
          'GET',
          `/secrets/OPENAI_API_KEY/value?${query}`,
        );
        const canary = canaries.next();
        const set = await put(
          `PAGERDUTY_TOKEN?${query}`,
          JSON.stringify({ value: canary }),
        );
        expect([
          list.status,
          read.status === 200 || read.status === 404,
          set.status,
        ]).toEqual([200, true, 200]);
        await expectSet('PAGERDUTY_TOKEN', canary);
      }
      expect(({} as any).polluted).toBeUndefined();
      expect(
        Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'),
      ).toBe(false);
    });
  });
});
