import request from 'supertest';
import { mockCredentials } from '@backstage/backend-test-utils';
import type { SecretDefinition } from '@backstage-secrets/plugin-secrets-node';
import { createTestDatabases } from './__testUtils__/databases';
import { ADMIN, startSecretsBackend } from './__testUtils__/testBackend';

/*
 * Nothing stored becomes impossible to delete when definitions change
 * between restarts: a user's value of a name no plugin declares per user
 * any more, shared rows of a name that became per-user, and grants of
 * plugins that stopped being readers (dropped, so consent is asked again).
 */

jest.setTimeout(90_000);

const databases = createTestDatabases();
const NAME = 'MOVING_KEY';
const USER = 'user:default/yara';
const user = mockCredentials.user.header(USER);
const admin = mockCredentials.user.header(ADMIN);

describe.each(databases.eachSupportedId())(
  'nothing stranded on %p',
  databaseId => {
    async function startWith(knex: any, definitions: SecretDefinition[]) {
      return startSecretsBackend({ knex, definitions });
    }

    it("lists and clears a user's value of a name no longer declared per user", async () => {
      const knex = await databases.init(databaseId);
      const first = await startWith(knex, [
        { name: NAME, scope: 'user', readers: ['alpha'] },
      ]);
      await request(first.server)
        .put(`/api/secrets/user/secrets/${NAME}`)
        .set('Authorization', user)
        .send({ value: 'users-own-value' })
        .expect(200);
      await first.backend.stop();

      const later = await startWith(knex, [{ name: 'OTHER_KEY' }]);
      const listed = await request(later.server)
        .get('/api/secrets/user/secrets')
        .set('Authorization', user);
      expect(listed.body.items).toEqual([
        expect.objectContaining({
          name: NAME,
          registered: false,
          set: true,
          version: 1,
          grants: [],
        }),
      ]);
      await request(later.server)
        .delete(`/api/secrets/user/secrets/${NAME}`)
        .set('Authorization', user)
        .expect(204);
      const after = await request(later.server)
        .get('/api/secrets/user/secrets')
        .set('Authorization', user);
      expect(after.body.items).toEqual([]);
      // A name the user never stored stays a 404.
      await request(later.server)
        .delete('/api/secrets/user/secrets/NEVER_STORED')
        .set('Authorization', user)
        .expect(404);
      await later.backend.stop();
    });

    it('lets admins purge the shared rows of a name that became per-user', async () => {
      const knex = await databases.init(databaseId);
      const first = await startWith(knex, [{ name: NAME }]);
      await request(first.server)
        .put(`/api/secrets/secrets/${NAME}`)
        .set('Authorization', admin)
        .send({ value: 'old-shared-value' })
        .expect(200);
      await first.backend.stop();

      const later = await startWith(knex, [
        { name: NAME, scope: 'user', readers: ['alpha'] },
      ]);
      const summary = async () =>
        (
          await request(later.server)
            .get('/api/secrets/secrets')
            .set('Authorization', admin)
        ).body.items.find((i: { name: string }) => i.name === NAME);
      expect((await summary()).error).toMatch(
        /A shared value of MOVING_KEY from before it held one value per user is still stored \(version 1\)/,
      );
      // A clear is refused (it would read as clearing users' values)...
      const clear = await request(later.server)
        .delete(`/api/secrets/secrets/${NAME}`)
        .set('Authorization', admin);
      expect(clear.status).toBe(409);
      expect(clear.body.error.message).toMatch(/\?purge=true/);
      // ...a purge deletes the shared rows.
      await request(later.server)
        .delete(`/api/secrets/secrets/${NAME}?purge=true`)
        .set('Authorization', admin)
        .expect(204);
      expect((await summary()).error).toBeUndefined();
      const versions = await request(later.server)
        .get(`/api/secrets/secrets/${NAME}/versions`)
        .set('Authorization', admin);
      expect(versions.body.items).toEqual([]);
      await later.backend.stop();
    });

    it('drops the grants of plugins that are no longer readers, so consent is asked again', async () => {
      const knex = await databases.init(databaseId);
      const both: SecretDefinition[] = [
        { name: NAME, scope: 'user', readers: ['alpha', 'beta'] },
      ];
      const grantsOf = async (server: any) =>
        (
          await request(server)
            .get('/api/secrets/user/secrets')
            .set('Authorization', user)
        ).body.items[0].grants;

      const first = await startWith(knex, both);
      for (const pluginId of ['alpha', 'beta']) {
        await request(first.server)
          .put(`/api/secrets/user/secrets/${NAME}/grants/${pluginId}`)
          .set('Authorization', user)
          .send({ allowed: true })
          .expect(200);
      }
      await first.backend.stop();

      const narrowed = await startWith(knex, [
        { name: NAME, scope: 'user', readers: ['alpha'] },
      ]);
      expect(await grantsOf(narrowed.server)).toEqual([
        { pluginId: 'alpha', allowed: true },
      ]);
      await narrowed.backend.stop();

      const widenedAgain = await startWith(knex, both);
      expect(await grantsOf(widenedAgain.server)).toEqual([
        { pluginId: 'alpha', allowed: true },
        { pluginId: 'beta', allowed: false },
      ]);
      await widenedAgain.backend.stop();
    });
  },
);
