import { secretsApiRef } from './api';
import { secretsPlugin } from './plugin';
import { rootRouteRef } from './routes';

describe('secretsPlugin (legacy frontend system)', () => {
  it('provides the secrets API over discovery and fetch', () => {
    const factories = [...secretsPlugin.getApis()];
    expect(factories).toHaveLength(1);
    expect(factories[0].api).toBe(secretsApiRef);
    expect(Object.keys(factories[0].deps).sort()).toEqual([
      'discoveryApi',
      'fetchApi',
    ]);
  });

  it('exposes the page route', () => {
    expect(secretsPlugin.routes.root).toBe(rootRouteRef);
  });
});
