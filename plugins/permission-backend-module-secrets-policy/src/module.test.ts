import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { PermissionPolicy } from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { manageSecretsPermission } from '@backstage-secrets/plugin-secrets-common';
import permissionModuleSecretsPolicy from './index';

async function startWith(managers: string[]) {
  let installed: PermissionPolicy | undefined;
  const backend = await startTestBackend({
    extensionPoints: [
      [
        policyExtensionPoint,
        {
          setPolicy: (policy: PermissionPolicy) => {
            installed = policy;
          },
        },
      ],
    ],
    features: [
      permissionModuleSecretsPolicy,
      mockServices.rootConfig.factory({
        data: { secrets: { permission: { managers } } },
      }),
    ],
  });
  return { backend, policy: installed! };
}

describe('permissionModuleSecretsPolicy', () => {
  it('installs the policy with the managers from config', async () => {
    const { backend, policy } = await startWith(['group:default/admins']);
    const admin = {
      info: {
        userEntityRef: 'user:default/alice',
        ownershipEntityRefs: ['group:default/admins'],
      },
    } as any;
    expect(
      await policy.handle({ permission: manageSecretsPermission }, admin),
    ).toEqual({ result: AuthorizeResult.ALLOW });
    await backend.stop();
  });

  it('refuses start-up with a managers entry that is not an entity ref', async () => {
    await expect(startWith(['admins'])).rejects.toThrow(
      /secrets\.permission\.managers holds 'admins'/,
    );
  });
});
