import type { ListUserSecretsResponse } from '@backstage-secrets/plugin-secrets-common';
import { accessOf } from '../../access';
import { pluginIdSchema, setGrantBodySchema } from '../../schema';
import type { SecretsBackend } from '../wireSecretsBackend';
import { audited, auditMeta, json, noContent, written } from './audited';
import { bodyOf, nameOf, paramOf, setRequestOf } from './input';
import type { SecretsApiRouter } from './types';

/**
 * The signed-in user's own per-user secrets: set and clear their values,
 * and allow or revoke reader plugins. Metadata and grants only, never a
 * value; the access gate has let in only a user's own token.
 */
export function addUserRoutes(
  router: SecretsApiRouter,
  { userSecrets }: Pick<SecretsBackend, 'userSecrets'>,
) {
  router.get('/user/secrets', async (_req, res) => {
    const { userRef, event } = accessOf(res, 'user');
    const items = await userSecrets.list(userRef);
    await event.success({ meta: { count: items.length } });
    const body: ListUserSecretsResponse = { items };
    res.json(body);
  });

  router.put('/user/secrets/:name', async (req, res) => {
    const { userRef, event } = accessOf(res, 'user');
    await audited(event, auditMeta(req), async () =>
      written(res, await userSecrets.set({ ...setRequestOf(req), userRef })),
    );
  });

  router.delete('/user/secrets/:name', async (req, res) => {
    const { userRef, event } = accessOf(res, 'user');
    await audited(event, auditMeta(req), async () => {
      const name = nameOf(req);
      const { existed } = await userSecrets.clear(name, userRef);
      return noContent(res, { name, existed });
    });
  });

  router.put('/user/secrets/:name/grants/:pluginId', async (req, res) => {
    const { userRef, event } = accessOf(res, 'user');
    await audited(event, auditMeta(req), async () => {
      const name = nameOf(req);
      const pluginId = paramOf(req, 'pluginId', pluginIdSchema, 'plugin id');
      const { allowed } = bodyOf(setGrantBodySchema, req.body);
      const summary = await userSecrets.setGrant({
        name,
        userRef,
        pluginId,
        allowed,
      });
      return json(res, summary, {
        name,
        pluginId,
        outcome: allowed ? 'allowed' : 'revoked',
      });
    });
  });
}
