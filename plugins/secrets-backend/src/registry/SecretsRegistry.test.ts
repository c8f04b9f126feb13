import { SecretsRegistry } from './SecretsRegistry';

describe('SecretsRegistry', () => {
  it('keeps definitions with defaults, and the first of duplicates with a warning', () => {
    const registry = new SecretsRegistry();
    registry.register('module-a.ts:1', [
      { name: 'API_KEY', description: 'first' },
      { name: 'SA_JSON', format: 'json' },
    ]);
    registry.register('module-b.ts:2', [
      { name: 'API_KEY', description: 'second' },
    ]);
    expect(registry.get('API_KEY')).toMatchObject({
      description: 'first',
      format: 'text',
      registeredBy: 'module-a.ts:1',
    });
    expect(registry.list().map(d => d.name)).toEqual(['API_KEY', 'SA_JSON']);
    expect(registry.close()).toEqual([
      'Secret API_KEY is registered twice: keeping the definition from module-a.ts:1, ignoring the one from module-b.ts:2.',
    ]);
  });

  it('throws on registration after close', () => {
    const registry = new SecretsRegistry();
    const point = registry.createExtensionPoint();
    registry.close();
    expect(() => point.registerSecrets({ name: 'LATE' })).toThrow(
      /no longer be registered/,
    );
  });

  it.each([
    [{ name: 'lower' }, /Cannot register secret 'lower'/],
    [{ name: 'OK', format: 'yaml' as any }, /format must be 'text' or 'json'/],
    [
      // eslint-disable-next-line no-script-url -- the very URL to refuse
      { name: 'OK', obtainUrl: 'javascript:alert(1)' },
      /obtainUrl must be an http\(s\) URL/,
    ],
    [
      { name: 'OK', obtainUrl: 'not a url' },
      /obtainUrl must be an http\(s\) URL/,
    ],
    [
      { name: 'OK', rotateEvery: { days: 0 } },
      /Cannot register secret OK: rotateEvery must be a positive duration/,
    ],
    [
      { name: 'OK', rotateEvery: 'P90D' as any },
      /rotateEvery must be a positive duration/,
    ],
  ])('refuses an invalid definition %p', (definition, message) => {
    const registry = new SecretsRegistry();
    expect(() => registry.register('m.ts:1', [definition])).toThrow(message);
  });

  it("keeps a shared definition's validate function", async () => {
    const registry = new SecretsRegistry();
    const validate = async () => ({ ok: true as const });
    registry.register('m.ts:1', [{ name: 'CHECKED', validate }]);
    expect(registry.get('CHECKED')?.validate).toBe(validate);
  });

  it.each([
    [
      {
        name: 'MINE',
        scope: 'user' as const,
        readers: ['catalog'],
        validate: async () => ({ ok: true as const }),
      },
      /validate is supported for shared secrets only/,
    ],
    [
      { name: 'NOT_A_FUNCTION', validate: 'yes' as any },
      /validate must be a function/,
    ],
  ])('refuses validate where it cannot apply %p', (definition, message) => {
    const registry = new SecretsRegistry();
    expect(() => registry.register('m.ts:1', [definition])).toThrow(message);
  });
});

describe('SecretsRegistry entity-scoped definitions', () => {
  it("defaults entityKinds to ['Component'] and keeps readers and validate", () => {
    const registry = new SecretsRegistry();
    const validate = async () => ({ ok: true as const });
    registry.register('m.ts:1', [
      { name: 'SENTRY_DSN', scope: 'entity', readers: ['catalog'], validate },
      {
        name: 'JIRA_TOKEN',
        scope: 'entity',
        entityKinds: ['System', 'System'],
      },
    ]);
    expect(registry.get('SENTRY_DSN')).toMatchObject({
      scope: 'entity',
      entityKinds: ['Component'],
      readers: ['catalog'],
      validate,
    });
    expect(registry.get('JIRA_TOKEN')?.entityKinds).toEqual(['System']);
  });

  it.each([
    [
      { name: 'A', scope: 'shared' as const, entityKinds: ['Component'] },
      /entity-scoped secrets only/,
    ],
    [
      { name: 'B', scope: 'entity' as const, entityKinds: [] },
      /non-empty list/,
    ],
    [
      { name: 'C', scope: 'entity' as const, entityKinds: ['no spaces'] },
      /non-empty list/,
    ],
    [
      { name: 'D', scope: 'team' as any },
      /scope must be 'shared' or 'user' or 'entity'/,
    ],
  ])('refuses %p', (definition, message) => {
    const registry = new SecretsRegistry();
    expect(() => registry.register('m.ts:1', [definition])).toThrow(message);
  });
});
