import request from 'supertest';
import { TestDatabases } from '@backstage/backend-test-utils';
import { plantCanary } from '../__testUtils__/canaries';
import { LogCapture } from '../__testUtils__/capturingLogger';
import { CALLER_HEADERS } from '../__testUtils__/hostileHttp';
import { startSecretsBackend } from '../__testUtils__/testBackend';

/*
 * Knex error messages quote the statement with its bound values: the
 * ciphertext, the key id, the actor. A database that refuses a write must
 * show none of that in a response, a log line or an audit event: only the
 * operation and the error code.
 */

jest.setTimeout(60_000);

/** Not a secret (the start-up log names it), but a bound value of the write. */
const KEY_ID = 'keyid-marker-4e1b';
const VALUE = plantCanary('sk-store-error-canary-93af');

describe('a database error on SQLite', () => {
  const databases = TestDatabases.create({
    ids: ['SQLITE_3'],
    disableDocker: true,
  });

  it.each([
    ['the insert of a first value', 'INSERT'],
    ['the update of a stored value', 'UPDATE'],
  ])(
    'carries the operation and error code only, for %s',
    async (_what, statement) => {
      const knex = await databases.init('SQLITE_3');
      const logs = new LogCapture();
      const { server } = await startSecretsBackend({
        knex,
        logs,
        config: {
          secrets: {
            encryption: {
              keys: [
                {
                  id: KEY_ID,
                  secret: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY',
                },
              ],
            },
          },
        },
      });
      const put = () =>
        request(server)
          .put('/api/secrets/secrets/OPENAI_API_KEY')
          .set('Authorization', CALLER_HEADERS.admin)
          .send({ value: VALUE });
      // The update case needs a stored value first.
      const first = statement === 'UPDATE' ? (await put()).status : 200;
      expect(first).toBe(200);
      const before = await knex('secrets').select();
      await knex.raw(
        `CREATE TRIGGER refuse_writes BEFORE ${statement} ON secrets BEGIN SELECT RAISE(ABORT, 'forced by the test'); END`,
      );

      const res = await put();
      expect(res.status).toBe(500);
      expect(res.body.error).toMatchObject({
        name: 'SecretsStoreError',
        message:
          "The secrets database refused the operation 'write a secret' (error code SQLITE_CONSTRAINT_TRIGGER); nothing was changed by it.",
      });

      // Nothing of the statement anywhere: not in the response, not in a
      // log line, not in an audit event.
      const [row] = await knex('secrets').select('ciphertext');
      const errorLines = logs.matching(/SecretsStoreError/);
      // The failed audit event and the error handler's log line.
      expect(errorLines.length).toBeGreaterThanOrEqual(2);
      const emitted = [res.text, ...errorLines].join('\n');
      expect(logs.text()).not.toContain(VALUE);
      for (const leak of [
        KEY_ID,
        VALUE,
        'forced by the test',
        '`secrets`',
        'ciphertext',
        ...(row ? [row.ciphertext] : []),
      ]) {
        expect(emitted).not.toContain(leak);
      }
      // And stored data is untouched.
      expect(await knex('secrets').select()).toEqual(before);
    },
  );
});
