import zlib from 'node:zlib';
import { describeHostileInput } from './__testUtils__/hostileSuite';

/*
 * Bodies far beyond the body limit (with and without Content-Length), a
 * gzip bomb, garbage and unknown content encodings, and a well-formed gzip
 * body. Each huge request gets its own connection.
 */

describeHostileInput(suite => {
  const { send, expectState, expectSet, expectRefused, canaries } = suite;

  describe('huge and encoded bodies', () => {
    const noKeepAlive = false as const;
    const tenMegabytesWith = (canary: string) =>
      JSON.stringify({ value: `${canary}${'a'.repeat(10 * 1024 * 1024)}` });

    it('answers a 10 MB body with 413, keeps serving, changes nothing', async () => {
      const canary = canaries.next();
      const body = tenMegabytesWith(canary);
      const res = await send('admin', 'PUT', '/secrets/PAGERDUTY_TOKEN', {
        body,
        contentType: 'application/json',
        agent: noKeepAlive,
      });
      await expectRefused(res, 413, canary);
      expect(res.json.error.message).toMatch(/too large/);
    });

    it('answers a 10 MB chunked body (no Content-Length) with 413', async () => {
      const canary = canaries.next();
      const body = tenMegabytesWith(canary);
      const res = await send('admin', 'PUT', '/secrets/PAGERDUTY_TOKEN', {
        body,
        contentType: 'application/json',
        headers: { 'Transfer-Encoding': 'chunked' },
        agent: noKeepAlive,
      });
      expect(res.json?.error?.message).toMatch(/too large/);
      await expectRefused(res, 413, canary);
    });

    it('answers a gzip bomb with 413 without inflating it all', async () => {
      const canary = canaries.next();
      const bomb = zlib.gzipSync(
        Buffer.from(
          JSON.stringify({
            value: `${canary}${'a'.repeat(20 * 1024 * 1024)}`,
          }),
        ),
      );
      expect(bomb.length).toBeLessThan(200 * 1024);
      const res = await send('admin', 'PUT', '/secrets/PAGERDUTY_TOKEN', {
        body: bomb,
        contentType: 'application/json',
        headers: { 'Content-Encoding': 'gzip' },
        agent: noKeepAlive,
      });
      await expectRefused(res, 413, canary);
    });

    it.each<[string, string, Buffer]>([
      ['garbage declared as gzip', 'gzip', Buffer.from('not gzip at all')],
      ['garbage declared as deflate', 'deflate', Buffer.from('not deflate')],
      ['an unknown encoding', 'x-hostile', Buffer.from('{"value":"x"}')],
    ])('refuses %s with 4xx', async (_what, encoding, body) => {
      const res = await send('admin', 'PUT', '/secrets/PAGERDUTY_TOKEN', {
        body,
        contentType: 'application/json',
        headers: { 'Content-Encoding': encoding },
        agent: noKeepAlive,
      });
      expect([400, 415]).toContain(res.status);
      await expectState({ kind: 'none' });
    });

    it('accepts a gzip-encoded well-formed body (decoded transparently)', async () => {
      const value = canaries.next();
      const res = await send('admin', 'PUT', '/secrets/PAGERDUTY_TOKEN', {
        body: zlib.gzipSync(Buffer.from(JSON.stringify({ value }))),
        contentType: 'application/json',
        headers: { 'Content-Encoding': 'gzip' },
      });
      expect(res.status).toBe(200);
      await expectSet('PAGERDUTY_TOKEN', value);
    });
  });
});
