import { SECRET_VALUE_MAX_BYTES } from '@backstage-secrets/plugin-secrets-common';
import { answer, describeHostileInput } from './__testUtils__/hostileSuite';

/*
 * Values: unicode that must read back exactly (NUL, control characters,
 * emoji, right-to-left overrides, byte order marks, surrogate pairs),
 * unpaired surrogates that cannot be stored, and the size limit counted in
 * bytes of UTF-8 whatever the characters.
 */

/** The size limit, as the test names say it. */
const LIMIT = `${SECRET_VALUE_MAX_BYTES / 1024} KiB`;

describeHostileInput(suite => {
  const { put, expectSet, expectRefused, canaries } = suite;

  describe('values', () => {
    it.each<[string, (canary: string) => string]>([
      ['NUL characters', c => `\u0000${c}\u0000`],
      [
        'only control characters around the canary',
        c => `\u0001\u0002\u001f${c}\u007f`,
      ],
      ['emoji and ZWJ sequences', c => `😀👨‍👩‍👧${c}🏳️‍🌈`],
      ['right-to-left override', c => `\u202e${c}\u202c`],
      ['a byte order mark', c => `\ufeff${c}`],
      ['CJK and combining marks', c => `中文${c}e\u0301`],
      ['JSON-looking text in a text secret', c => `{"value":"${c}"}`],
      ['quotes and backslashes', c => `"\\'${c}\\"`],
      ['surrogate pairs', c => `\ud83d\ude00${c}\udbff\udfff`],
      ['U+FFFF and U+FFFE', c => `\uffff${c}\ufffe`],
    ])('stores %s and reads them back exactly', async (_what, make) => {
      const value = make(canaries.next());
      const res = await put('OPENAI_API_KEY', JSON.stringify({ value }));
      expect(res.status).toBe(200);
      await expectSet('OPENAI_API_KEY', value);
    });

    it.each<[string, string]>([
      ['a lone high surrogate', '\ud800'],
      ['a lone low surrogate', '\udfff'],
      ['a reversed pair', '\ude00\ud83d'],
    ])(
      'refuses %s, which cannot be stored as UTF-8 (it would read back as U+FFFD)',
      async (_what, bad) => {
        const canary = canaries.next();
        const res = await put(
          'OPENAI_API_KEY',
          JSON.stringify({ value: `${canary}${bad}` }),
        );
        await expectRefused(res, 400, canary);
        expect(res.json.error.message).toMatch(/value/);
      },
    );

    it.each<[string, number, string, number]>([
      [
        `exactly ${LIMIT} of escaped control characters`,
        200,
        '\u0001',
        SECRET_VALUE_MAX_BYTES,
      ],
      [`exactly ${LIMIT} of 4-byte emoji`, 200, '😀', SECRET_VALUE_MAX_BYTES],
      [`exactly ${LIMIT} of 3-byte CJK`, 200, '中', SECRET_VALUE_MAX_BYTES],
      [`${LIMIT} + 1 byte`, 413, 'a', SECRET_VALUE_MAX_BYTES + 1],
      [
        `${LIMIT} + 1 byte, mostly emoji`,
        413,
        '😀',
        SECRET_VALUE_MAX_BYTES + 1,
      ],
      [
        `${LIMIT} + 1 byte of escaped control characters`,
        413,
        '\u0001',
        SECRET_VALUE_MAX_BYTES + 1,
      ],
    ])('%s → %i', async (_what, status, unit, bytes) => {
      const canary = canaries.next();
      // The canary, then the unit, then ASCII up to exactly `bytes` bytes.
      const room = bytes - Buffer.byteLength(canary);
      const units = Math.floor(room / Buffer.byteLength(unit));
      const value = `${canary}${unit.repeat(units)}${'a'.repeat(
        room - units * Buffer.byteLength(unit),
      )}`;
      expect(Buffer.byteLength(value)).toBe(bytes);
      const res = await put('PAGERDUTY_TOKEN', JSON.stringify({ value }));
      expect(answer(res, canary)).toEqual({ status, leaked: false });
      await expectSet('PAGERDUTY_TOKEN', value, status === 200);
    });
  });
});
