import {
  createApiFactory,
  discoveryApiRef,
  fetchApiRef,
  type ApiRef,
  type DiscoveryApi,
  type FetchApi,
} from '@backstage/frontend-plugin-api';

/**
 * The factory of an API implemented by a client of the secrets backend,
 * which needs the app's `discoveryApi` and `fetchApi`.
 */
export function backendClientFactory<TApi, TImpl extends TApi>(
  api: ApiRef<TApi>,
  Client: new (options: {
    discoveryApi: DiscoveryApi;
    fetchApi: FetchApi;
  }) => TImpl,
) {
  return createApiFactory({
    api,
    deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
    factory: ({ discoveryApi, fetchApi }) =>
      new Client({ discoveryApi, fetchApi }),
  });
}
