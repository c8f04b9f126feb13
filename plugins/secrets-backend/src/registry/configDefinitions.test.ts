import { ConfigReader } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import request from 'supertest';
import { SecretsConfig } from '../config';
import { registerConfigDefinitions } from './configDefinitions';
import { guardProxyReferences } from './proxyReferences';
import { SecretsRegistry } from './SecretsRegistry';
import { CALLER_HEADERS } from '../__testUtils__/hostileHttp';
import { startSecretsBackend } from '../__testUtils__/testBackend';

jest.setTimeout(60_000);

function configWith(secrets: object) {
  return new SecretsConfig(new ConfigReader({ secrets }));
}

describe('registerConfigDefinitions', () => {
  it('registers every entry with its fields, registeredBy naming the entry', () => {
    const registry = new SecretsRegistry();
    registerConfigDefinitions(
      configWith({
        definitions: [
          { name: 'A_TOKEN' },
          {
            name: 'PAGERDUTY_API_TOKEN',
            description: 'For the **PagerDuty** proxy endpoint.',
            obtainUrl:
              'https://support.pagerduty.com/main/docs/api-access-keys',
            obtainLabel: 'Create a PagerDuty API key',
            format: 'text',
            readers: ['proxy', 'proxy'],
          },
          { name: 'SA', format: 'json' },
        ],
      }),
      registry,
    );
    expect(registry.list()).toEqual([
      {
        name: 'A_TOKEN',
        format: 'text',
        registeredBy: 'app-config secrets.definitions[0]',
        scope: 'shared',
      },
      {
        name: 'PAGERDUTY_API_TOKEN',
        format: 'text',
        description: 'For the **PagerDuty** proxy endpoint.',
        obtainUrl: 'https://support.pagerduty.com/main/docs/api-access-keys',
        obtainLabel: 'Create a PagerDuty API key',
        readers: ['proxy'],
        registeredBy: 'app-config secrets.definitions[1]',
        scope: 'shared',
      },
      {
        name: 'SA',
        format: 'json',
        registeredBy: 'app-config secrets.definitions[2]',
        scope: 'shared',
      },
    ]);
    expect(registry.close()).toEqual([]);
  });

  it('keeps a module definition registered first, with a warning naming the entry', () => {
    const registry = new SecretsRegistry();
    registry.register('modules/example.ts:12', [
      { name: 'A_TOKEN', description: 'from the module' },
    ]);
    registerConfigDefinitions(
      configWith({
        definitions: [
          { name: 'B_TOKEN' },
          { name: 'A_TOKEN', description: 'from config' },
          { name: 'B_TOKEN', description: 'again' },
        ],
      }),
      registry,
    );
    expect(registry.get('A_TOKEN')?.description).toBe('from the module');
    expect(registry.get('B_TOKEN')?.registeredBy).toBe(
      'app-config secrets.definitions[0]',
    );
    expect(registry.close()).toEqual([
      'Secret A_TOKEN is registered twice: keeping the definition from modules/example.ts:12, ignoring the one from app-config secrets.definitions[1].',
      'Secret B_TOKEN is registered twice: keeping the definition from app-config secrets.definitions[0], ignoring the one from app-config secrets.definitions[2].',
    ]);
  });

  it('reads rotateEvery in every duration form', () => {
    const registry = new SecretsRegistry();
    registerConfigDefinitions(
      configWith({
        definitions: [
          { name: 'ISO', rotateEvery: 'P90D' },
          { name: 'HUMAN', rotateEvery: '30 days' },
          { name: 'OBJECT', rotateEvery: { weeks: 2 } },
        ],
      }),
      registry,
    );
    expect(registry.get('ISO')?.rotateEvery).toEqual({ days: 90 });
    // '30 days' parses as { weeks: 4, days: 2 }: the same 30 days
    expect(durationToMilliseconds(registry.get('HUMAN')!.rotateEvery!)).toBe(
      30 * 86_400_000,
    );
    expect(registry.get('OBJECT')?.rotateEvery).toEqual({ weeks: 2 });
  });

  it('does nothing without secrets.definitions', () => {
    const registry = new SecretsRegistry();
    registerConfigDefinitions(configWith({}), registry);
    expect(registry.list()).toEqual([]);
  });

  it.each([
    [
      { definitions: 'A_TOKEN' },
      /Invalid app-config secrets.definitions: it must be a list/,
    ],
    [
      { definitions: [{ name: 'OK' }, { description: 'no name' }] },
      /Invalid app-config secrets.definitions\[1\]: Missing required config value at 'secrets.definitions\[1\].name'/,
    ],
    [
      { definitions: [{ name: 'lower' }] },
      /Invalid app-config secrets.definitions\[0\]: Cannot register secret 'lower'/,
    ],
    [
      { definitions: [{ name: 'OK', format: 'yaml' }] },
      /Invalid app-config secrets.definitions\[0\]: .*format must be 'text' or 'json'/,
    ],
    [
      { definitions: [{ name: 'OK', readers: ['Not A Plugin'] }] },
      /Invalid app-config secrets.definitions\[0\]: .*readers must be a list of backend plugin ids/,
    ],
    [
      { definitions: [{ name: 'OK', readers: 'proxy' }] },
      /Invalid app-config secrets.definitions\[0\]: .*secrets.definitions\[0\].readers/,
    ],
    [
      { definitions: [{ name: 'OK', obtainUrl: 'ftp://x' }] },
      /Invalid app-config secrets.definitions\[0\]: .*obtainUrl must be an http\(s\) URL/,
    ],
    [
      { definitions: [{ name: 'OK', reader: ['proxy'] }] },
      /Invalid app-config secrets.definitions\[0\]: unknown key 'reader'; allowed are name, description/,
    ],
    [
      { definitions: [{ name: 'OK', rotateEvery: 'soon' }] },
      /Invalid app-config secrets.definitions\[0\]: Invalid duration 'soon'/,
    ],
    [
      { definitions: [{ name: 'OK', rotateEvery: { days: 0 } }] },
      /Invalid app-config secrets.definitions\[0\]: .*rotateEvery must be a positive duration/,
    ],
  ])('refuses %j', (secrets, message) => {
    expect(() =>
      registerConfigDefinitions(configWith(secrets), new SecretsRegistry()),
    ).toThrow(message);
  });
});

describe('guardProxyReferences', () => {
  const endpoints = {
    '/pagerduty': {
      target: 'https://api.pagerduty.com',
      headers: {
        Authorization: 'Token token={{ secrets.PAGERDUTY_API_TOKEN }}',
        'X-Other': '{{ secrets.OTHER_TOKEN }}-{{ secrets.MISSING_ONE }}',
        'X-Plain': 'no secret',
      },
    },
    '/other': { target: 'https://example.com' },
  };

  it('names every undeclared secret and where it is used', () => {
    const registry = new SecretsRegistry();
    registry.register('m.ts:1', [{ name: 'PAGERDUTY_API_TOKEN' }]);
    registry.close();
    expect(() =>
      guardProxyReferences(configWith({ proxy: { endpoints } }), registry),
    ).toThrow(
      `Proxy header templates refer to secrets that no definition declares: OTHER_TOKEN (used by secrets.proxy.endpoints["/pagerduty"].headers.X-Other); MISSING_ONE (used by secrets.proxy.endpoints["/pagerduty"].headers.X-Other).`,
    );
  });

  it('warns about readers without proxy, from the definition or from config', () => {
    const registry = new SecretsRegistry();
    registry.register('m.ts:1', [
      { name: 'PAGERDUTY_API_TOKEN', readers: ['catalog'] },
      { name: 'OTHER_TOKEN', readers: ['proxy'] },
      { name: 'MISSING_ONE' },
    ]);
    registry.close();
    expect(
      guardProxyReferences(configWith({ proxy: { endpoints } }), registry),
    ).toEqual([
      expect.stringMatching(
        /^Secret PAGERDUTY_API_TOKEN is used by secrets.proxy.endpoints\["\/pagerduty"\].headers.Authorization, but its readers \(catalog\) do not include the proxy plugin/,
      ),
    ]);
    expect(
      guardProxyReferences(
        configWith({
          proxy: { endpoints },
          readers: { PAGERDUTY_API_TOKEN: ['proxy'], MISSING_ONE: ['catalog'] },
        }),
        registry,
      ),
    ).toEqual([expect.stringMatching(/^Secret MISSING_ONE is used by/)]);
  });

  it('refuses a per-user secret in a proxy header', () => {
    const registry = new SecretsRegistry();
    registry.register('m.ts:1', [
      { name: 'PAGERDUTY_API_TOKEN', scope: 'user', readers: ['proxy'] },
      { name: 'OTHER_TOKEN' },
      { name: 'MISSING_ONE' },
    ]);
    registry.close();
    expect(() =>
      guardProxyReferences(configWith({ proxy: { endpoints } }), registry),
    ).toThrow(
      `Proxy header templates refer to per-user secrets (scope 'user'): PAGERDUTY_API_TOKEN (used by secrets.proxy.endpoints["/pagerduty"].headers.Authorization). A proxy header carries one shared value for every caller; use a shared secret.`,
    );
  });

  it('accepts config without proxy endpoints', () => {
    expect(guardProxyReferences(configWith({}), new SecretsRegistry())).toEqual(
      [],
    );
  });
});

describe('secrets declared in configuration, on a running backend', () => {
  it('lists a config-declared secret beside the module ones, and stores its value', async () => {
    const { backend, server, logs } = await startSecretsBackend({
      config: {
        secrets: {
          definitions: [
            {
              name: 'PAGERDUTY_API_TOKEN',
              description: 'For the PagerDuty proxy endpoint.',
              readers: ['proxy'],
            },
            // Also registered by the test module: the module's is kept.
            { name: 'OPENAI_API_KEY', description: 'from config' },
          ],
        },
      },
    });
    try {
      const admin = CALLER_HEADERS.admin;
      const listed = await request(server)
        .get('/api/secrets/secrets')
        .set('Authorization', admin);
      expect(listed.status).toBe(200);
      const byName = Object.fromEntries(
        listed.body.items.map((item: any) => [item.name, item]),
      );
      expect(byName.PAGERDUTY_API_TOKEN).toMatchObject({
        registered: true,
        description: 'For the PagerDuty proxy endpoint.',
        source: 'unset',
        readers: ['proxy'],
      });
      expect(byName.OPENAI_API_KEY.description).toBe('Calls **OpenAI**');
      expect(
        logs.matching(
          /OPENAI_API_KEY is registered twice.*ignoring the one from app-config secrets.definitions\[1\]/,
        ),
      ).toHaveLength(1);

      const set = await request(server)
        .put('/api/secrets/secrets/PAGERDUTY_API_TOKEN')
        .set('Authorization', admin)
        .send({ value: 'pd-config-declared' });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ source: 'database', version: 1 });
    } finally {
      await backend.stop();
    }
  });

  it('stops start-up with an error naming an invalid entry', async () => {
    await expect(
      startSecretsBackend({
        config: { secrets: { definitions: [{ name: 'OK' }, { name: 'bad' }] } },
      }),
    ).rejects.toThrow(/Invalid app-config secrets.definitions\[1\]/);
  });

  it('stops start-up when a proxy header refers to an undeclared secret', async () => {
    await expect(
      startSecretsBackend({
        config: {
          secrets: {
            proxy: {
              endpoints: {
                '/x': {
                  target: 'http://127.0.0.1:9',
                  headers: { 'X-Key': '{{ secrets.NOT_DECLARED }}' },
                },
              },
            },
          },
        },
      }),
    ).rejects.toThrow(/no definition declares: NOT_DECLARED/);
  });

  it('stops start-up when an appConfig secret has readers', async () => {
    await expect(
      startSecretsBackend({
        config: {
          secrets: {
            definitions: [
              { name: 'IN_CONFIG', appConfig: true, readers: ['proxy'] },
            ],
          },
        },
      }),
    ).rejects.toThrow(
      /Invalid app-config secrets.definitions\[0\]: secret IN_CONFIG has appConfig: true and readers/,
    );
  });

  it('stops start-up when secrets.readers names an appConfig secret, or a module gives it readers', async () => {
    await expect(
      startSecretsBackend({
        config: {
          secrets: {
            definitions: [{ name: 'IN_CONFIG', appConfig: true }],
            readers: { IN_CONFIG: ['catalog'] },
          },
        },
      }),
    ).rejects.toThrow(
      /Invalid secrets.readers.IN_CONFIG: secret IN_CONFIG is declared with appConfig: true/,
    );
    await expect(
      startSecretsBackend({
        definitions: [{ name: 'IN_CONFIG', readers: ['catalog'] }],
        config: {
          secrets: { definitions: [{ name: 'IN_CONFIG', appConfig: true }] },
        },
      }),
    ).rejects.toThrow(
      /Secret IN_CONFIG is declared with appConfig: true, and its definition has readers/,
    );
  });
});
