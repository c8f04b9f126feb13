import request from 'supertest';
import { mockCredentials } from '@backstage/backend-test-utils';
import { createTestDatabases } from './__testUtils__/databases';
import { CALLER_HEADERS } from './__testUtils__/hostileHttp';
import { ADMIN, startSecretsBackend } from './__testUtils__/testBackend';

/*
 * A stale page cannot destroy a newer write: DELETE takes
 * `?expectedVersion=N` (0: no value) and answers 409, changing nothing,
 * when the stored value moved on, with or without `purge`. And a plugin
 * acting for an admin cannot change secrets: PUT, DELETE, restore and
 * check take the admin's own sign-in.
 */

jest.setTimeout(60_000);

const databases = createTestDatabases();
const NAME = 'OPENAI_API_KEY';
const OTHER_ADMIN_VALUE = 'sk-newer-value-from-another-admin';

describe.each(databases.eachSupportedId())(
  'stale and forwarded writes on %p',
  databaseId => {
    async function start() {
      const knex = await databases.init(databaseId);
      const { server } = await startSecretsBackend({ knex });
      const admin = mockCredentials.user.header(ADMIN);
      const call = {
        set: (value: string) =>
          request(server)
            .put(`/api/secrets/secrets/${NAME}`)
            .set('Authorization', admin)
            .send({ value }),
        clear: (query: string) =>
          request(server)
            .delete(`/api/secrets/secrets/${NAME}${query}`)
            .set('Authorization', admin),
        summary: async () =>
          (
            await request(server)
              .get('/api/secrets/secrets')
              .set('Authorization', admin)
          ).body.items.find((i: { name: string }) => i.name === NAME),
        versions: async () =>
          (
            await request(server)
              .get(`/api/secrets/secrets/${NAME}/versions`)
              .set('Authorization', admin)
          ).body.items as unknown[],
      };
      return { server, call };
    }

    it('a clear or purge from a stale page answers 409 and changes nothing', async () => {
      const { call } = await start();
      expect((await call.set('first-value')).status).toBe(200);
      // The page loaded version 1; another admin wrote version 2 since.
      expect((await call.set(OTHER_ADMIN_VALUE)).status).toBe(200);

      const staleClear = await call.clear('?expectedVersion=1');
      expect(staleClear.status).toBe(409);
      expect(staleClear.body.error.message).toBe(
        `Secret ${NAME} was changed by someone else: it is now at version 2, you expected version 1. Reload to see who changed it, then decide whether to replace it.`,
      );
      const stalePurge = await call.clear('?purge=true&expectedVersion=1');
      expect(stalePurge.status).toBe(409);
      expect(await call.summary()).toMatchObject({
        source: 'database',
        version: 2,
      });
      expect(await call.versions()).toHaveLength(2);

      expect((await call.clear('?expectedVersion=2')).status).toBe(204);
      expect((await call.summary()).source).toBe('unset');
      // Cleared: the history drawer's purge expects no value (0).
      expect((await call.clear('?purge=true&expectedVersion=0')).status).toBe(
        204,
      );
      expect(await call.versions()).toHaveLength(0);
    });

    it('a purge expecting no value leaves a value set meanwhile alone', async () => {
      const { call } = await start();
      expect((await call.set(OTHER_ADMIN_VALUE)).status).toBe(200);
      const res = await call.clear('?purge=true&expectedVersion=0');
      expect(res.status).toBe(409);
      expect(res.body.error.message).toBe(
        `Secret ${NAME} was set by someone else since you loaded it: it is now at version 1, you expected no value. Reload to see who set it.`,
      );
      expect(await call.versions()).toHaveLength(1);
    });

    it.each([['abc'], ['-1'], ['1.5'], ['01']])(
      'refuses expectedVersion=%s (400) and clears nothing',
      async expectedVersion => {
        const { call } = await start();
        expect((await call.set('kept-value')).status).toBe(200);
        const res = await call.clear(`?expectedVersion=${expectedVersion}`);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toMatch(/expectedVersion must be/);
        expect((await call.summary()).source).toBe('database');
      },
    );

    it.each([
      ['PUT', `/api/secrets/secrets/${NAME}`, { value: 'forwarded-value' }],
      ['DELETE', `/api/secrets/secrets/${NAME}`, undefined],
      ['POST', `/api/secrets/secrets/${NAME}/versions/1/restore`, {}],
      ['POST', `/api/secrets/secrets/${NAME}/check`, undefined],
    ])(
      'refuses %s %s with a token a plugin holds for an admin (403, saying why)',
      async (method, path, body) => {
        const { server, call } = await start();
        expect((await call.set('admin-value')).status).toBe(200);
        const req = request(server)
          [method.toLowerCase() as 'put' | 'delete' | 'post'](path)
          .set('Authorization', CALLER_HEADERS.onBehalfOfAdmin);
        const res = await (body ? req.send(body) : req);
        expect(res.status).toBe(403);
        expect(res.body.error.message).toBe(
          `Secrets are changed with an admin's own sign-in, not by a plugin acting on their behalf (this token was issued to plugin:catalog for ${ADMIN}).`,
        );
        expect(await call.summary()).toMatchObject({ version: 1 });
      },
    );
  },
);
