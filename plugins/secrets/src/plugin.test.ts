import { secretsApiRef, userSecretsApiRef } from './api';
import { secretsPlugin } from './plugin';
import { rootRouteRef } from './routes';

describe('secretsPlugin (legacy frontend system)', () => {
  it('provides the secrets API and the user secrets API over discovery and fetch', () => {
    const factories = [...secretsPlugin.getApis()];
    expect(factories.map(f => f.api)).toEqual([
      secretsApiRef,
      userSecretsApiRef,
    ]);
    for (const factory of factories) {
      expect(Object.keys(factory.deps).sort()).toEqual([
        'discoveryApi',
        'fetchApi',
      ]);
    }
  });

  it('exposes the page route', () => {
    expect(secretsPlugin.routes.root).toBe(rootRouteRef);
  });
});
