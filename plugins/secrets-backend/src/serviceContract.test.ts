import request from 'supertest';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  type SecretDefinition,
  type SecretsService,
  secretsServiceRef,
} from '@backstage-secrets/plugin-secrets-node';
import { secretsServiceMock } from '@backstage-secrets/plugin-secrets-node/testUtils';
import {
  ADMIN,
  onBehalfOfAwareAuth,
  startSecretsBackend,
} from './__testUtils__/testBackend';

/*
 * One behaviour, two implementations: every case below runs against the
 * test mock of @backstage-secrets/plugin-secrets-node/testUtils and against
 * the real backend read through the real client, so a plugin test written
 * against the mock means what the live backend does (same results, same
 * errors, same messages). A case that passes on one and fails on the other
 * is a drift to fix in the mock.
 */

jest.setTimeout(60_000);

const ALICE = 'user:default/alice-contract';
const BOB = 'user:default/bob-contract';

const DEFINITIONS: SecretDefinition[] = [
  { name: 'SHARED_KEY', description: 'Any plugin reads it.' },
  {
    name: 'RESTRICTED_KEY',
    description: 'Only the reader plugin reads it.',
    readers: ['reader'],
  },
  {
    name: 'PERSONAL_KEY',
    description: 'One value per user.',
    scope: 'user',
    readers: ['reader'],
  },
];

/** How a case sets things up and reads, on one implementation. */
interface Implementation {
  /** The service as plugin `reader` or `outsider` sees it. */
  service(pluginId: 'reader' | 'outsider'): SecretsService;
  setShared(name: string, value: string): Promise<void>;
  setUserValue(name: string, userRef: string, value: string): Promise<void>;
  allow(
    name: string,
    userRef: string,
    pluginId: string,
    allowed: boolean,
  ): Promise<void>;
  stop(): Promise<void>;
}

async function theMock(): Promise<Implementation> {
  const mock = secretsServiceMock({ registered: DEFINITIONS });
  return {
    service: pluginId => mock.forPlugin(pluginId),
    setShared: async (name, value) => mock.set(name, value),
    setUserValue: async (name, userRef, value) =>
      mock.setUserValue(name, userRef, value),
    allow: async (name, userRef, pluginId, allowed) =>
      mock.allow(name, userRef, pluginId, allowed),
    stop: async () => {},
  };
}

async function theBackend(): Promise<Implementation> {
  const services = new Map<string, SecretsService>();
  const capture = (pluginId: string) =>
    createBackendPlugin({
      pluginId,
      register(env) {
        env.registerInit({
          deps: { secrets: secretsServiceRef },
          async init({ secrets }) {
            services.set(pluginId, secrets);
          },
        });
      },
    });
  const { backend, server } = await startSecretsBackend({
    definitions: DEFINITIONS,
    // Every read reaches the backend: no reuse window to wait out.
    config: { secrets: { client: { cacheTtlMilliseconds: 0 } } },
    features: [capture('reader'), capture('outsider'), onBehalfOfAwareAuth],
  });
  const expectOk = (res: request.Response) => {
    if (res.status >= 300) {
      throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
    }
  };
  return {
    service: pluginId => services.get(pluginId)!,
    setShared: async (name, value) =>
      expectOk(
        await request(server)
          .put(`/api/secrets/secrets/${name}`)
          .set('Authorization', mockCredentials.user.header(ADMIN))
          .send({ value }),
      ),
    setUserValue: async (name, userRef, value) =>
      expectOk(
        await request(server)
          .put(`/api/secrets/user/secrets/${name}`)
          .set('Authorization', mockCredentials.user.header(userRef))
          .send({ value }),
      ),
    allow: async (name, userRef, pluginId, allowed) =>
      expectOk(
        await request(server)
          .put(`/api/secrets/user/secrets/${name}/grants/${pluginId}`)
          .set('Authorization', mockCredentials.user.header(userRef))
          .send({ allowed }),
      ),
    stop: () => backend.stop(),
  };
}

const asUser = (userRef: string) => ({
  onBehalfOf: mockCredentials.user(userRef),
});

/** What a read settled to: the value, or the error's name and message. */
async function outcome(read: Promise<string | undefined>) {
  try {
    return { value: await read };
  } catch (error) {
    const { name, message } = error as Error;
    return { error: { name, message } };
  }
}

describe.each([
  ['the mock', theMock],
  ['the real backend', theBackend],
])('the secrets service contract, on %s', (_label, create) => {
  let impl: Implementation;
  beforeEach(async () => {
    impl = await create();
  });
  afterEach(() => impl.stop());

  it('serves a shared value, undefined while unset, and says where to set it', async () => {
    const reader = impl.service('reader');
    expect(await outcome(reader.getSecret('SHARED_KEY'))).toEqual({
      value: undefined,
    });
    expect(await outcome(reader.requireSecret('SHARED_KEY'))).toEqual({
      error: {
        name: 'NotFoundError',
        message:
          'Secret SHARED_KEY is not set. An admin can set it on the "Manage secrets" page (/secrets) of Backstage, or an operator can pin it with secrets.values.SHARED_KEY in app-config.yaml or the BACKSTAGE_SECRETS_SHARED_KEY environment variable.',
      },
    });
    await impl.setShared('SHARED_KEY', 'shared-contract-value');
    expect(await outcome(reader.getSecret('SHARED_KEY'))).toEqual({
      value: 'shared-contract-value',
    });
    // onBehalfOf does not change a shared read.
    expect(
      await outcome(reader.getSecret('SHARED_KEY', asUser(ALICE))),
    ).toEqual({ value: 'shared-contract-value' });
  });

  it('rejects a name nobody registered, naming it', async () => {
    expect(
      await outcome(impl.service('reader').getSecret('NOT_DECLARED')),
    ).toEqual({
      error: {
        name: 'NotFoundError',
        message:
          'Secret NOT_DECLARED is not registered: declare it through the secrets extension point (secretsExtensionPoint.registerSecrets) before reading it.',
      },
    });
  });

  it('refuses a plugin outside the readers, even while unset', async () => {
    const refused = {
      error: {
        name: 'NotAllowedError',
        message:
          'Plugin outsider may not read secret RESTRICTED_KEY: only the plugin(s) reader may read it. An operator can change that with secrets.readers.RESTRICTED_KEY in app-config.yaml.',
      },
    };
    expect(
      await outcome(impl.service('outsider').getSecret('RESTRICTED_KEY')),
    ).toEqual(refused);
    await impl.setShared('RESTRICTED_KEY', 'restricted-contract-value');
    expect(
      await outcome(impl.service('outsider').getSecret('RESTRICTED_KEY')),
    ).toEqual(refused);
    expect(
      await outcome(impl.service('reader').getSecret('RESTRICTED_KEY')),
    ).toEqual({ value: 'restricted-contract-value' });
  });

  it('reads a per-user secret only on behalf of a user', async () => {
    expect(
      await outcome(impl.service('reader').getSecret('PERSONAL_KEY')),
    ).toEqual({
      error: {
        name: 'NotAllowedError',
        message:
          'This secret holds one value per user: a plugin reads it on behalf of the user whose request it serves (getSecret(name, { onBehalfOf: credentials })).',
      },
    });
  });

  it('refuses (403) a new user who allowed nothing, before "not set" (404)', async () => {
    const reader = impl.service('reader');
    const notAllowed = {
      error: {
        name: 'NotAllowedError',
        message: `${ALICE} has not allowed plugin reader to use their PERSONAL_KEY. They can allow it on their "My secrets" page (/settings/secrets).`,
      },
    };
    expect(
      await outcome(reader.getSecret('PERSONAL_KEY', asUser(ALICE))),
    ).toEqual(notAllowed);
    expect(
      await outcome(reader.requireSecret('PERSONAL_KEY', asUser(ALICE))),
    ).toEqual(notAllowed);

    await impl.allow('PERSONAL_KEY', ALICE, 'reader', true);
    expect(
      await outcome(reader.getSecret('PERSONAL_KEY', asUser(ALICE))),
    ).toEqual({ value: undefined });
    expect(
      await outcome(reader.requireSecret('PERSONAL_KEY', asUser(ALICE))),
    ).toEqual({
      error: {
        name: 'NotFoundError',
        message: `${ALICE} has not set PERSONAL_KEY. They can add it on their "My secrets" page (/settings/secrets).`,
      },
    });
  });

  it("serves each user's own value to an allowed reader, and nobody else's", async () => {
    const reader = impl.service('reader');
    await impl.setUserValue('PERSONAL_KEY', ALICE, 'alice-contract-value');
    await impl.allow('PERSONAL_KEY', ALICE, 'reader', true);
    expect(
      await outcome(reader.getSecret('PERSONAL_KEY', asUser(ALICE))),
    ).toEqual({ value: 'alice-contract-value' });
    // Bob set nothing and allowed nothing: Alice's value is not his.
    expect(
      (await outcome(reader.getSecret('PERSONAL_KEY', asUser(BOB)))).error
        ?.name,
    ).toBe('NotAllowedError');
    // A plugin outside the readers is refused before any grant counts.
    await impl.allow('PERSONAL_KEY', ALICE, 'outsider', true).catch(() => {});
    expect(
      await outcome(
        impl.service('outsider').getSecret('PERSONAL_KEY', asUser(ALICE)),
      ),
    ).toEqual({
      error: {
        name: 'NotAllowedError',
        message:
          'Plugin outsider may not read secret PERSONAL_KEY: only the plugin(s) reader may read it. An operator can change that with secrets.readers.PERSONAL_KEY in app-config.yaml.',
      },
    });
    // A revoked grant stops the reads.
    await impl.allow('PERSONAL_KEY', ALICE, 'reader', false);
    expect(
      (await outcome(reader.getSecret('PERSONAL_KEY', asUser(ALICE)))).error
        ?.name,
    ).toBe('NotAllowedError');
  });
});
