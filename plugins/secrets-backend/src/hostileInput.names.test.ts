import { SECRET_NAME_MAX_LENGTH } from '@backstage-secrets/plugin-secrets-common';
import { answer, describeHostileInput } from './__testUtils__/hostileSuite';
import { decodeParam, LONG_NAME } from './__testUtils__/hostileOracles';

/*
 * Names in the path, one request each: the longest valid name, one
 * character too long, traversal (plain, encoded, double-encoded, overlong
 * UTF-8, backslashes), NUL and newlines, prototype keys, escaped letters and
 * extra segments, on the item and the value route. Random names by every
 * caller are in hostileInput.properties.test.ts.
 */

describeHostileInput(suite => {
  const { send, put, expectState, expectSet, canaries } = suite;

  describe('names', () => {
    it.each<[string, number, string]>([
      ['the longest valid name (128 characters), registered', 200, LONG_NAME],
      [
        'a valid 128-character name that is not registered',
        404,
        `M${'X'.repeat(SECRET_NAME_MAX_LENGTH - 1)}`,
      ],
      ['a 129-character name', 400, `${LONG_NAME}X`],
      ['a 129-character name, lower case tail', 400, `${LONG_NAME}x`],
      ['a very long name (10k characters)', 400, 'A'.repeat(10_000)],
      ['".."', 400, '..'],
      ['"."', 400, '.'],
      ['%2e%2e (encoded ..)', 400, '%2e%2e'],
      ['%252e%252e (double-encoded ..)', 400, '%252e%252e'],
      ['%252e%252e%252fOPENAI_API_KEY', 400, '%252e%252e%252fOPENAI_API_KEY'],
      ['..%2f..%2fetc%2fpasswd', 400, '..%2f..%2fetc%2fpasswd'],
      [
        '..%5c..%5cOPENAI_API_KEY (backslashes)',
        400,
        '..%5c..%5cOPENAI_API_KEY',
      ],
      ['..\\OPENAI_API_KEY (raw backslash)', 400, '..\\OPENAI_API_KEY'],
      ['OPENAI_API_KEY%00 (NUL)', 400, 'OPENAI_API_KEY%00'],
      ['OPENAI_API_KEY%0a (newline)', 400, 'OPENAI_API_KEY%0a'],
      ['%c0%ae%c0%ae (overlong UTF-8 dots)', 400, '%c0%ae%c0%ae'],
      ['__proto__', 400, '__proto__'],
      ['constructor', 400, 'constructor'],
      [
        '%4fPENAI_API_KEY (an escaped letter is the same name)',
        200,
        '%4fPENAI_API_KEY',
      ],
      ['OPENAI_API_KEY/ (trailing slash)', 200, 'OPENAI_API_KEY/'],
      ['../OPENAI_API_KEY (a second segment)', 404, '../OPENAI_API_KEY'],
      [
        'OPENAI_API_KEY/value (PUT on the value route)',
        404,
        'OPENAI_API_KEY/value',
      ],
    ])('PUT %s as the admin → %i', async (_what, status, segment) => {
      const canary = canaries.next();
      const res = await put(segment, JSON.stringify({ value: canary }));
      expect(answer(res, canary)).toEqual({ status, leaked: false });
      const decoded = decodeParam(segment.replace(/\/$/, ''))!;
      await expectSet(decoded, canary, status === 200);
    });

    it.each<[string, number, number, string]>([
      ['%252e%252e', 400, 403, '%252e%252e'],
      ['..', 400, 403, '..'],
      ['..%2fPAGERDUTY_TOKEN', 400, 403, '..%2fPAGERDUTY_TOKEN'],
      ['a 129-character name', 400, 403, `${LONG_NAME}X`],
      ['lower case', 400, 403, 'openai_api_key'],
      ['a valid unregistered name', 404, 403, 'NOT_REGISTERED'],
      ['../../secrets (traversal to the list)', 404, 404, '../../secrets'],
    ])(
      'GET the value of %s: plugin → %i, admin → %i',
      async (_what, pluginStatus, adminStatus, segment) => {
        const asPlugin = await send(
          'plugin',
          'GET',
          `/secrets/${segment}/value`,
        );
        const asAdmin = await send('admin', 'GET', `/secrets/${segment}/value`);
        expect([asPlugin.status, asAdmin.status]).toEqual([
          pluginStatus,
          adminStatus,
        ]);
        expect(asPlugin.json?.value).toBeUndefined();
        await expectState({ kind: 'none' });
      },
    );
  });
});
