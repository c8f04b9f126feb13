import type {
  CheckSecretResponse,
  ListSecretsResponse,
  ListSecretVersionsResponse,
} from '@backstage-secrets/plugin-secrets-common';
import { accessOf } from '../../access';
import { SecretCheckFailedError } from '../../checks';
import {
  clearQuerySchema,
  parseInput,
  restoreBodySchema,
  versionParamSchema,
} from '../../schema';
import type { SecretsBackend } from '../wireSecretsBackend';
import { audited, auditMeta, json, noContent, written } from './audited';
import { bodyOf, nameOf, paramOf, setRequestOf } from './input';
import type { SecretsApiRouter } from './types';

/**
 * The "Manage secrets" routes: shared secrets' metadata, values set and
 * cleared, history, checks and key status. The access gate has let in only
 * users holding manage-secrets; each route records its audit event.
 */
export function addManageRoutes(
  router: SecretsApiRouter,
  {
    summaries,
    writes,
    history,
    valueCheck,
    reencryption,
    allowAll,
  }: Pick<
    SecretsBackend,
    'summaries' | 'writes' | 'history' | 'valueCheck' | 'reencryption'
  > & { allowAll?: { everyoneMayManage(): Promise<boolean> } },
) {
  router.get('/secrets', async (_req, res) => {
    const { event } = accessOf(res, 'manage');
    const [items, everyoneMayManage] = await Promise.all([
      summaries.list(),
      allowAll?.everyoneMayManage(),
    ]);
    await event.success({ meta: { count: items.length } });
    const body: ListSecretsResponse = {
      items,
      ...(everyoneMayManage ? { everyoneMayManage: true } : {}),
    };
    res.json(body);
  });

  /** Keys in use and rotation progress: ids and row counts, no key material. */
  router.get('/encryption', async (_req, res) => {
    const { event } = accessOf(res, 'manage');
    const status = await reencryption.status();
    await event.success();
    res.json(status);
  });

  router.put('/secrets/:name', async (req, res) => {
    const { credentials, event } = accessOf(res, 'manage');
    await audited(
      event,
      error =>
        isCheckFailure(error)
          ? { ...auditMeta(req), outcome: 'check-failed' }
          : auditMeta(req),
      async () => {
        const actor = credentials.principal.userEntityRef;
        const request = setRequestOf(req);
        const outcome = written(res, await writes.set({ ...request, actor }));
        // A save without the provider's check is worth finding in the log.
        if (request.skipValidation) outcome.meta.skipValidation = true;
        return outcome;
      },
      // The outcome only, as for /check: the admin sees the provider's
      // message in the answer, the audit trail never keeps it.
      error =>
        isCheckFailure(error)
          ? new SecretCheckFailedError(
              `The check of ${req.params.name} did not pass, so the value was not saved.`,
            )
          : error,
    );
  });

  /** Runs the definition's check on the current value ("Test" on the page). */
  router.post('/secrets/:name/check', async (req, res) => {
    const { event } = accessOf(res, 'manage');
    await audited(event, auditMeta(req), async () => {
      const name = nameOf(req);
      const body: CheckSecretResponse = await valueCheck.check(name);
      // The outcome only: the provider's message stays out of the log.
      return json(res, body, { name, ok: body.ok });
    });
  });

  /** Clears the value (history is kept), or with `?purge=true` all of it. */
  router.delete('/secrets/:name', async (req, res) => {
    const { credentials, event } = accessOf(res, 'manage');
    await audited(event, auditMeta(req), async () => {
      const name = nameOf(req);
      const { purge, expectedVersion } = parseInput(
        clearQuerySchema,
        req.query,
        'query',
      );
      const actor = credentials.principal.userEntityRef;
      if (purge === 'true') {
        const { existed, versions } = await writes.purge(
          name,
          actor,
          expectedVersion,
        );
        return noContent(res, {
          name,
          existed,
          purge: true,
          purgedVersions: versions,
        });
      }
      const { existed } = await writes.clear(name, actor, expectedVersion);
      return noContent(res, { name, existed });
    });
  });

  /** Who wrote which version when; never a value. */
  router.get('/secrets/:name/versions', async (req, res) => {
    const { event } = accessOf(res, 'manage');
    await audited(event, auditMeta(req), async () => {
      const name = nameOf(req);
      const body: ListSecretVersionsResponse = {
        items: await history.versions(name),
      };
      return json(res, body, { name, count: body.items.length });
    });
  });

  /** Writes a recorded version's value as a new version. */
  router.post('/secrets/:name/versions/:version/restore', async (req, res) => {
    const { credentials, event } = accessOf(res, 'manage');
    await audited(event, auditMeta(req), async () => {
      const name = nameOf(req);
      const version = paramOf(req, 'version', versionParamSchema, 'version');
      // A POST without a body is a restore without expectedVersion.
      const { expectedVersion } = bodyOf(restoreBodySchema, req.body ?? {});
      const summary = await history.restore({
        name,
        version,
        expectedVersion,
        actor: credentials.principal.userEntityRef,
      });
      return json(res, summary, {
        name,
        version: summary.version ?? 0,
        restoredFrom: version,
      });
    });
  });
}

function isCheckFailure(error: Error): boolean {
  return error instanceof SecretCheckFailedError;
}
