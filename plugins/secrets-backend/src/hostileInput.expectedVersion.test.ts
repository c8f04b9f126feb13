import { answer, describeHostileInput } from './__testUtils__/hostileSuite';

/*
 * `expectedVersion` in every form JSON allows: strings, floats, negative,
 * huge, beyond the safe integers, Infinity, null, objects, the current
 * version written as a float or an exponent, and a stale one.
 */

describeHostileInput(suite => {
  const { put, expectSet, versionOf, canaries } = suite;

  describe('expectedVersion', () => {
    it.each<[string, number, (version: number) => string]>([
      ['a string', 400, v => `"${v}"`],
      ['a float', 400, v => `${v}.5`],
      ['negative', 400, () => '-1'],
      ['huge (1e300, an integer)', 409, () => '1e300'],
      ['beyond the safe integers', 409, () => '9007199254740993'],
      ['beyond 32 bits', 409, () => '4294967297'],
      ['overflowing to Infinity', 400, () => '1e400'],
      ['null', 400, () => 'null'],
      ['an object', 400, v => `{"v":${v}}`],
      ['the current version as 1.0', 200, v => `${v}.0`],
      ['the current version as an exponent', 200, v => `${v}e0`],
      ['one behind', 409, v => `${Math.max(0, v - 1)}`],
    ])('%s → %i', async (_what, status, ev) => {
      // A stored value first, so that the current version is not 0.
      const first = await put(
        'PAGERDUTY_TOKEN',
        JSON.stringify({ value: 'base-value' }),
      );
      expect(first.status).toBe(200);
      await expectSet('PAGERDUTY_TOKEN', 'base-value');
      const canary = canaries.next();
      const res = await put(
        'PAGERDUTY_TOKEN',
        `{"value":${JSON.stringify(canary)},"expectedVersion":${ev(
          versionOf('PAGERDUTY_TOKEN'),
        )}}`,
      );
      expect(answer(res, canary)).toEqual({ status, leaked: false });
      await expectSet('PAGERDUTY_TOKEN', canary, status === 200);
    });
  });
});
