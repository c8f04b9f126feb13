import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { PolicyQueryUser } from '@backstage/plugin-permission-node';
import {
  entitySecretsManagePermission,
  manageSecretsPermission,
} from '@backstage-secrets/plugin-secrets-common';
import { SecretsManagersPolicy } from './SecretsManagersPolicy';

function user(userEntityRef: string, groups: string[] = []): PolicyQueryUser {
  return {
    info: {
      userEntityRef,
      ownershipEntityRefs: [userEntityRef, ...groups],
    },
  } as unknown as PolicyQueryUser;
}

const manage = { permission: manageSecretsPermission };
const other = {
  permission: {
    type: 'basic' as const,
    name: 'catalog.entity.delete',
    attributes: { action: 'delete' as const },
  },
};

describe('SecretsManagersPolicy', () => {
  const policy = new SecretsManagersPolicy({
    managers: ['group:default/Admins', 'user:carol'],
  });

  it('grants manage-secrets to members of a manager group', async () => {
    expect(
      await policy.handle(
        manage,
        user('user:default/alice', ['group:default/admins']),
      ),
    ).toEqual({ result: AuthorizeResult.ALLOW });
  });

  it('grants manage-secrets to a manager user, with or without a namespace in config', async () => {
    expect(await policy.handle(manage, user('user:default/carol'))).toEqual({
      result: AuthorizeResult.ALLOW,
    });
  });

  it('denies manage-secrets to everyone else, guests and anonymous included', async () => {
    expect(
      await policy.handle(
        manage,
        user('user:default/bob', ['group:default/developers']),
      ),
    ).toEqual({ result: AuthorizeResult.DENY });
    expect(await policy.handle(manage, user('user:development/guest'))).toEqual(
      { result: AuthorizeResult.DENY },
    );
    expect(await policy.handle(manage)).toEqual({
      result: AuthorizeResult.DENY,
    });
  });

  it('allows every other permission, as allow-all does', async () => {
    expect(await policy.handle(other, user('user:default/bob'))).toEqual({
      result: AuthorizeResult.ALLOW,
    });
    expect(await policy.handle(other)).toEqual({
      result: AuthorizeResult.ALLOW,
    });
  });

  it('denies everyone when no managers are configured', async () => {
    const empty = new SecretsManagersPolicy({ managers: [] });
    expect(
      await empty.handle(
        manage,
        user('user:default/alice', ['group:default/admins']),
      ),
    ).toEqual({ result: AuthorizeResult.DENY });
  });

  it("grants secrets.entity.manage to managers, and to an entity's owners through the catalog", async () => {
    const entityManage = {
      permission: entitySecretsManagePermission,
      resourceRef: 'component:default/payments',
    };
    expect(
      await policy.handle(
        entityManage,
        user('user:default/alice', ['group:default/admins']),
      ),
    ).toEqual({ result: AuthorizeResult.ALLOW });
    expect(
      await policy.handle(
        entityManage,
        user('user:default/bob', ['group:default/team-a']),
      ),
    ).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'catalog',
      resourceType: 'catalog-entity',
      conditions: {
        rule: 'IS_ENTITY_OWNER',
        resourceType: 'catalog-entity',
        params: { claims: ['user:default/bob', 'group:default/team-a'] },
      },
    });
    expect(await policy.handle(entityManage)).toEqual({
      result: AuthorizeResult.DENY,
    });
  });
});
