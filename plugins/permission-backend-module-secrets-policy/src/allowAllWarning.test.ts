import {
  coreServices,
  createServiceFactory,
  type LoggerService,
} from '@backstage/backend-plugin-api';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import permissionPlugin from '@backstage/plugin-permission-backend';
import allowAllPolicy from '@backstage/plugin-permission-backend-module-allow-all-policy';
// The real secrets backend: the warning is its, this module is the cure.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import secretsPlugin, {
  generateEncryptionKey,
} from '@backstage-secrets/plugin-secrets-backend';
import request from 'supertest';
import permissionModuleSecretsPolicy from './index';

/*
 * A backend that kept create-app's allow-all policy lets every signed-in
 * user manage secrets, and secrets.permission.managers goes unused. The
 * secrets backend asks the real permission backend, after start-up, whether
 * a caller that is no user at all may manage secrets: with allow-all it
 * warns (log and page); with this module it does not.
 */

jest.setTimeout(60_000);

const WARNING = /Every signed-in user can manage secrets/;

function capturingLogger() {
  const lines: string[] = [];
  const logger = (): LoggerService => ({
    error: message => lines.push(`error ${message}`),
    warn: message => lines.push(`warn ${message}`),
    info: message => lines.push(`info ${message}`),
    debug: () => {},
    child: () => logger(),
  });
  return {
    lines,
    factory: createServiceFactory({
      service: coreServices.rootLogger,
      deps: {},
      factory: () => logger(),
    }),
  };
}

async function start(policy: 'allow-all' | 'secrets-policy') {
  const logs = capturingLogger();
  const backend = await startTestBackend({
    features: [
      secretsPlugin,
      permissionPlugin,
      policy === 'allow-all' ? allowAllPolicy : permissionModuleSecretsPolicy,
      // The real permissions service: it asks the permission backend.
      permissionsServiceFactory,
      actionsRegistryServiceMock.factory(),
      logs.factory,
      mockServices.rootConfig.factory({
        data: {
          permission: { enabled: true },
          secrets: {
            encryption: {
              keys: [{ id: 'k', secret: generateEncryptionKey() }],
            },
            permission: { managers: ['user:default/admin'] },
          },
        },
      }),
    ],
  });
  // The probe runs in a start-up hook, after every plugin is up.
  for (let turn = 0; turn < 200; turn++) {
    if (
      logs.lines.some(line =>
        /manage secrets|manage-secrets is granted/.test(line),
      )
    )
      break;
    await new Promise(resolve => setImmediate(resolve));
  }
  return { server: backend.server, stop: () => backend.stop(), logs };
}

describe('the allow-all warning', () => {
  it('warns, in the log and on the page, when the policy lets everyone manage secrets', async () => {
    const { server, stop, logs } = await start('allow-all');
    try {
      const warnings = logs.lines.filter(line => WARNING.test(line));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /^warn .*@backstage-secrets\/plugin-permission-backend-module-secrets-policy/,
      );
      // Anyone signed in gets the list, and the page's warning with it.
      const res = await request(server)
        .get('/api/secrets/secrets')
        .set(
          'Authorization',
          mockCredentials.user.header('user:default/anyone'),
        );
      expect(res.status).toBe(200);
      expect(res.body.everyoneMayManage).toBe(true);
    } finally {
      await stop();
    }
  });

  it('stays silent with this module, which grants manage-secrets to managers only', async () => {
    const { server, stop, logs } = await start('secrets-policy');
    try {
      expect(logs.lines.filter(line => WARNING.test(line))).toEqual([]);
      const admin = await request(server)
        .get('/api/secrets/secrets')
        .set(
          'Authorization',
          mockCredentials.user.header('user:default/admin'),
        );
      expect(admin.status).toBe(200);
      expect(admin.body.everyoneMayManage).toBeUndefined();
      const other = await request(server)
        .get('/api/secrets/secrets')
        .set(
          'Authorization',
          mockCredentials.user.header('user:default/anyone'),
        );
      expect(other.status).toBe(403);
    } finally {
      await stop();
    }
  });
});
