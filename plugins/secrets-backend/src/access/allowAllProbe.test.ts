import { mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { AllowAllProbe, EVERYONE_MAY_MANAGE_WARNING } from './allowAllProbe';

function probeWith(
  answers: Array<AuthorizeResult | Error>,
  installed: Array<{
    pluginId: string;
    modules: Array<{ moduleId: string }>;
  }> = [],
) {
  const logger = mockServices.logger.mock();
  const authorize = jest.fn(async () => {
    const next = answers.shift();
    if (next instanceof Error) throw next;
    return [{ result: next }];
  });
  const probe = new AllowAllProbe({
    permissions: { authorize, authorizeConditional: jest.fn() } as any,
    auth: mockServices.auth(),
    logger,
    config: {
      permissionFrameworkEnabled: () => true,
      manageWithoutPermissionFramework: () => false,
    },
    instance: { getInstalledPlugins: async () => installed },
    retryDelaysMs: [0, 0],
  });
  return { probe, logger, authorize };
}

describe('AllowAllProbe', () => {
  it('asks again while the permission backend is not up yet, then warns once', async () => {
    const { probe, logger, authorize } = probeWith([
      new Error('connect ECONNREFUSED'),
      AuthorizeResult.ALLOW,
    ]);
    await Promise.all([probe.probe(), probe.probe()]);
    expect(await probe.everyoneMayManage()).toBe(true);
    expect(authorize).toHaveBeenCalledTimes(2);
    expect(logger.warn).toHaveBeenCalledWith(EVERYONE_MAY_MANAGE_WARNING);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('stays quiet when the policy refuses a caller that is no user', async () => {
    const { probe, logger } = probeWith([AuthorizeResult.DENY]);
    expect(await probe.everyoneMayManage()).toBe(false);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('gives up after its retries without failing anything, and asks no more', async () => {
    const down = () => new Error('connect ECONNREFUSED');
    const { probe, authorize } = probeWith([down(), down(), down(), down()]);
    expect(await probe.everyoneMayManage()).toBe(false);
    expect(await probe.everyoneMayManage()).toBe(false);
    expect(authorize).toHaveBeenCalledTimes(3);
  });

  it("finds create-app's allow-all module among the installed features, without asking", async () => {
    const { probe, logger, authorize } = probeWith(
      [],
      [
        { pluginId: 'catalog', modules: [] },
        { pluginId: 'permission', modules: [{ moduleId: 'allow-all-policy' }] },
      ],
    );
    expect(await probe.everyoneMayManage()).toBe(true);
    expect(authorize).not.toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledWith(EVERYONE_MAY_MANAGE_WARNING);
  });

  it('takes a refusal of the question itself (401) as final, without retries', async () => {
    const refused = Object.assign(new Error('Unauthorized'), {
      response: { status: 401 },
    });
    const { probe, authorize } = probeWith(
      [refused, AuthorizeResult.ALLOW],
      [{ pluginId: 'permission', modules: [{ moduleId: 'secrets-policy' }] }],
    );
    expect(await probe.everyoneMayManage()).toBe(false);
    expect(authorize).toHaveBeenCalledTimes(1);
  });
});
