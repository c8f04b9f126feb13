import request from 'supertest';
import type http from 'node:http';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import type { JsonObject } from '@backstage/types';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { SecretDefinition } from '@backstage-secrets/plugin-secrets-node';
import { plantCanary } from './__testUtils__/canaries';
import { LogCapture } from './__testUtils__/capturingLogger';
import { createTestDatabases } from './__testUtils__/databases';
import { CALLER_HEADERS } from './__testUtils__/hostileHttp';
import { ADMIN, startSecretsBackend } from './__testUtils__/testBackend';
import { registerSecretsActions } from './actions';
import { SecretsConfig } from './config';

/*
 * The actions for AI agents (list-secrets, check-secret), called through
 * the actions registry's HTTP interface as the MCP actions backend calls
 * them (the real registry, mounted under /api/secrets): refused without
 * manage-secrets, working for an admin, never returning a value.
 */

jest.setTimeout(60_000);

const databases = createTestDatabases();

const GOOD = plantCanary('sk-actions-good-0e7c2a91d4b8');
const STORED_PLAIN = plantCanary('sk-actions-plain-93b1f0c6a2e5');

const DEFINITIONS: SecretDefinition[] = [
  {
    name: 'CHECKED_KEY',
    description: 'Checked with its provider',
    readers: ['catalog'],
    async validate(value) {
      return value === GOOD
        ? { ok: true }
        : { ok: false, message: 'The provider refused the token.' };
    },
  },
  { name: 'PLAIN_KEY' },
  { name: 'UNSET_KEY' },
  { name: 'MINE', scope: 'user', readers: ['catalog'] },
];

const ACTIONS = '/api/secrets/.backstage/actions/v1/actions';

describe.each(databases.eachSupportedId())('actions on %p', databaseId => {
  let server: http.Server;
  let logs: LogCapture;
  const answers: string[] = [];

  beforeAll(async () => {
    const knex = await databases.init(databaseId);
    logs = new LogCapture();
    ({ server } = await startSecretsBackend({
      knex,
      logs,
      definitions: DEFINITIONS,
      // As the demo configures it for the MCP actions backend.
      config: { backend: { actions: { pluginSources: ['secrets'] } } },
    }));
    for (const [name, value] of [
      ['CHECKED_KEY', GOOD],
      ['PLAIN_KEY', STORED_PLAIN],
    ]) {
      const res = await request(server)
        .put(`/api/secrets/secrets/${name}`)
        .set('Authorization', CALLER_HEADERS.admin)
        .send({ value });
      if (res.status !== 200) throw new Error(`setting ${name}: ${res.status}`);
    }
  });

  async function invoke(id: string, input: JsonObject, caller: string) {
    const res = await request(server)
      .post(`${ACTIONS}/${encodeURIComponent(id)}/invoke`)
      .set('Authorization', caller)
      .send(input);
    answers.push(res.text);
    return res;
  }

  async function listed(caller: string) {
    const res = await request(server).get(ACTIONS).set('Authorization', caller);
    answers.push(res.text);
    expect(res.status).toBe(200);
    return res.body.actions.map((action: { id: string }) => action.id);
  }

  it('lists both actions to an admin, and none to anyone else', async () => {
    expect((await listed(CALLER_HEADERS.admin)).sort()).toEqual([
      'secrets:check-secret',
      'secrets:list-secrets',
    ]);
    expect(await listed(CALLER_HEADERS.onBehalfOfAdmin)).toHaveLength(2);
    for (const caller of ['nonAdmin', 'onBehalfOf', 'plugin'] as const) {
      expect(await listed(CALLER_HEADERS[caller])).toEqual([]);
    }
  });

  it('list-secrets: metadata and status for an admin, never a value', async () => {
    const res = await invoke(
      'secrets:list-secrets',
      {},
      CALLER_HEADERS.onBehalfOfAdmin,
    );
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(
      res.body.output.items.map((item: { name: string }) => [item.name, item]),
    );
    expect(byName.CHECKED_KEY).toEqual({
      name: 'CHECKED_KEY',
      description: 'Checked with its provider',
      registered: true,
      scope: 'shared',
      status: 'set',
      source: 'database',
      readers: ['catalog'],
      version: 1,
      updatedAt: expect.any(String),
      updatedBy: ADMIN,
      checkable: true,
      lastCheckedAt: expect.any(String),
      lastCheckOk: true,
    });
    expect(byName.UNSET_KEY).toMatchObject({
      status: 'unset',
      source: 'unset',
      checkable: false,
    });
    expect(byName.MINE).toMatchObject({
      status: 'per-user',
      scope: 'user',
      userValueCount: 0,
    });
    expect(
      logs
        .matching(/"isAuditEvent":true/)
        .map(line => JSON.parse(line))
        .filter(e => e.eventId === 'secrets-list' && e.meta.via === 'action')
        .map(e => [e.status, e.meta.actor ?? null]),
    ).toEqual([
      ['initiated', ADMIN],
      ['succeeded', ADMIN],
    ]);
  });

  it('check-secret: runs the check for an admin and returns the outcome only', async () => {
    const res = await invoke(
      'secrets:check-secret',
      { name: 'CHECKED_KEY' },
      CALLER_HEADERS.admin,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      output: { ok: true, checkedAt: expect.any(String) },
    });
    const plain = await invoke(
      'secrets:check-secret',
      { name: 'PLAIN_KEY' },
      CALLER_HEADERS.admin,
    );
    expect(plain.status).toBe(400);
    expect(plain.body.error.message).toMatch(/PLAIN_KEY cannot be checked/);
  });

  it.each([
    ['a user without manage-secrets', 'nonAdmin'],
    ['a plugin acting for such a user', 'onBehalfOf'],
    ["a plugin's own token", 'plugin'],
    ['an external token', 'external'],
  ] as const)('refuses %s', async (_what, caller) => {
    for (const [id, input] of [
      ['secrets:list-secrets', {}],
      ['secrets:check-secret', { name: 'CHECKED_KEY' }],
    ] as const) {
      const res = await invoke(id, input, CALLER_HEADERS[caller]);
      // The registry hides an action from a caller without its visibility
      // permission: not found, like an action that does not exist.
      expect(res.status).toBe(404);
      expect(res.body.output).toBeUndefined();
    }
  });

  it('refuses anonymous callers', async () => {
    const res = await invoke(
      'secrets:list-secrets',
      {},
      CALLER_HEADERS.anonymous,
    );
    expect(res.status).toBe(401);
  });

  // Last: every answer of this suite was recorded.
  it('no answer held a stored value', () => {
    for (const canary of [GOOD, STORED_PLAIN]) {
      expect(answers.filter(text => text.includes(canary))).toEqual([]);
    }
  });
});

describe('actions and service principals', () => {
  /**
   * The real permission client allows service principals unless their
   * access restrictions say otherwise; the actions themselves refuse a
   * service token unless it is scoped to manage-secrets.
   */
  const permissions = {
    authorize: async (requests: unknown[]) =>
      requests.map(() => ({ result: AuthorizeResult.ALLOW })),
    authorizeConditional: async () => [],
  } as any;

  function setUp() {
    const actionsRegistry = actionsRegistryServiceMock();
    const summaries = { list: jest.fn(async () => []) };
    const valueCheck = {
      check: jest.fn(async () => ({ ok: true, checkedAt: 'now' })),
    };
    registerSecretsActions({
      actionsRegistry,
      summaries,
      valueCheck,
      auth: mockServices.auth(),
      permissions,
      auditor: mockServices.auditor.mock(),
      config: new SecretsConfig(
        mockServices.rootConfig({ data: { permission: { enabled: true } } }),
      ),
    });
    return { actionsRegistry, summaries, valueCheck };
  }

  it("refuses a plugin's own token and an unrestricted external token", async () => {
    const { actionsRegistry, summaries } = setUp();
    for (const subject of ['plugin:catalog', 'external:ci-bot']) {
      await expect(
        actionsRegistry.invoke({
          id: 'test:list-secrets',
          input: {},
          credentials: mockCredentials.service(subject),
        }),
      ).rejects.toMatchObject({ name: 'NotAllowedError' });
    }
    expect(summaries.list).not.toHaveBeenCalled();
  });

  it('accepts an external token scoped to manage-secrets', async () => {
    const { actionsRegistry, valueCheck } = setUp();
    const result = await actionsRegistry.invoke({
      id: 'test:check-secret',
      input: { name: 'CHECKED_KEY' },
      credentials: mockCredentials.service('external:agent', {
        permissionNames: ['manage-secrets'],
      }),
    });
    expect(result.output).toEqual({ ok: true, checkedAt: 'now' });
    expect(valueCheck.check).toHaveBeenCalledWith('CHECKED_KEY');
  });

  it('is closed when the permission framework is disabled', async () => {
    const actionsRegistry = actionsRegistryServiceMock();
    registerSecretsActions({
      actionsRegistry,
      summaries: { list: async () => [] },
      valueCheck: { check: async () => ({ ok: true, checkedAt: 'now' }) },
      auth: mockServices.auth(),
      permissions,
      auditor: mockServices.auditor.mock(),
      config: new SecretsConfig(mockServices.rootConfig({ data: {} })),
    });
    await expect(
      actionsRegistry.invoke({
        id: 'test:list-secrets',
        input: {},
        credentials: mockCredentials.user(ADMIN),
      }),
    ).rejects.toThrow(/permission framework is not enabled/);
  });
});
