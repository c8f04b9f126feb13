import type { Request } from 'express';
import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { ListEntitySecretsResponse } from '@backstage-secrets/plugin-secrets-common';
import { accessOf, createEntityManageAuthorizer } from '../../access';
import type { SecretsConfig } from '../../config';
import { normalizeEntityRef } from '../../entitySecrets';
import { setSecretBodySchema } from '../../schema';
import type { SecretsBackend } from '../wireSecretsBackend';
import { audited, auditMeta, json, noContent } from './audited';
import { bodyOf, paramOf } from './input';
import type { SecretsApiRouter } from './types';
import { secretNameSchema } from '../../schema';

/**
 * An entity's secrets: the list for anyone the catalog lets read the
 * entity (names and status, never values), set and clear for whoever the
 * policy allows `secrets.entity.manage` on the entity (its owners). The
 * access gate has let in only a user's own token; the catalog is asked
 * with that user's credentials, so an entity they may not see is a 404.
 */
export function addEntityRoutes(
  router: SecretsApiRouter,
  options: Pick<SecretsBackend, 'entitySecrets'> & {
    catalog: Pick<CatalogService, 'getEntityByRef'>;
    permissions: PermissionsService;
    config: Pick<
      SecretsConfig,
      'permissionFrameworkEnabled' | 'manageWithoutPermissionFramework'
    >;
  },
) {
  const { entitySecrets, catalog } = options;
  const mayManage = createEntityManageAuthorizer(options);

  /** The entity of the path, if the caller may see it in the catalog. */
  async function visibleEntity(
    req: Request,
    credentials: BackstageCredentials,
  ): Promise<string> {
    const { kind, namespace, name } = req.params;
    const entityRef = normalizeEntityRef({ kind, namespace, name });
    const entity = await catalog.getEntityByRef(entityRef, { credentials });
    if (!entity) {
      throw new NotFoundError(
        `Entity ${entityRef} was not found in the catalog (or you may not see it).`,
      );
    }
    return entityRef;
  }

  /** The entity, refused (403, naming it) to callers who may not manage it. */
  async function managedEntity(
    req: Request,
    credentials: BackstageCredentials,
  ): Promise<string> {
    const entityRef = await visibleEntity(req, credentials);
    if (!(await mayManage(credentials, entityRef))) {
      throw new NotAllowedError(
        `You may not set or clear the secrets of ${entityRef}: that needs the secrets.entity.manage permission on it, which the entity's owners have.`,
      );
    }
    return entityRef;
  }

  const secretNameOf = (req: Request) =>
    paramOf(req, 'secretName', secretNameSchema, 'secret name');

  router.get('/entities/:kind/:namespace/:name/secrets', async (req, res) => {
    const { credentials, event } = accessOf(res, 'entity');
    await audited(event, auditMeta(req), async () => {
      const entityRef = await visibleEntity(req, credentials);
      const canManage = await mayManage(credentials, entityRef);
      const items = await entitySecrets.list(entityRef, canManage);
      const body: ListEntitySecretsResponse = { items };
      return json(res, body, { entityRef, count: items.length });
    });
  });

  router.put(
    '/entities/:kind/:namespace/:name/secrets/:secretName',
    async (req, res) => {
      const { credentials, userRef, event } = accessOf(res, 'entity');
      await audited(event, auditMeta(req), async () => {
        const name = secretNameOf(req);
        const entityRef = await managedEntity(req, credentials);
        const body = bodyOf(setSecretBodySchema, req.body);
        const summary = await entitySecrets.set({
          name,
          entityRef,
          ...body,
          actor: userRef,
        });
        return json(res, summary, {
          name,
          entityRef,
          version: summary.version ?? 0,
        });
      });
    },
  );

  router.delete(
    '/entities/:kind/:namespace/:name/secrets/:secretName',
    async (req, res) => {
      const { credentials, userRef, event } = accessOf(res, 'entity');
      await audited(event, auditMeta(req), async () => {
        const name = secretNameOf(req);
        const entityRef = await managedEntity(req, credentials);
        const { existed } = await entitySecrets.clear(name, entityRef, userRef);
        return noContent(res, { name, entityRef, existed });
      });
    },
  );
}
