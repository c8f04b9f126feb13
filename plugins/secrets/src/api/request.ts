import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';

/** What a client needs to reach the secrets backend as the signed-in user. */
export type SecretsBackendApis = {
  discoveryApi: DiscoveryApi;
  fetchApi: FetchApi;
};

/**
 * One request to the secrets backend: `path` is relative to its base URL.
 * A non-2xx answer becomes a ResponseError that keeps the backend's
 * `{ error: { name, message } }` as `error.cause`, so pages can show the
 * backend's own explanation.
 */
export async function secretsRequest(
  apis: SecretsBackendApis,
  path: string,
  init: RequestInit,
): Promise<Response> {
  const baseUrl = await apis.discoveryApi.getBaseUrl('secrets');
  const response = await apis.fetchApi.fetch(`${baseUrl}${path}`, init);
  if (!response.ok) {
    throw await ResponseError.fromResponse(response);
  }
  return response;
}

/**
 * The requests the clients make, on top of {@link secretsRequest}: reading
 * JSON, sending JSON (PUT, POST) and deleting.
 */
export function secretsBackend(apis: SecretsBackendApis) {
  const { discoveryApi, fetchApi } = apis;
  const request = (path: string, init: RequestInit) =>
    secretsRequest({ discoveryApi, fetchApi }, path, init);
  const json = async <T>(path: string, init: RequestInit) =>
    (await (await request(path, init)).json()) as T;
  return {
    get: <T>(path: string) => json<T>(path, { method: 'GET' }),
    put: <T>(path: string, body: unknown) =>
      json<T>(path, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }),
    post: <T>(path: string, body: unknown) =>
      json<T>(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }),
    delete: async (path: string): Promise<void> => {
      await request(path, { method: 'DELETE' });
    },
  };
}

/** `base` followed by each segment, URI-encoded: `/secrets/A%2FB`. */
export function secretPath(base: string, ...segments: string[]): string {
  return [base, ...segments.map(encodeURIComponent)].join('/');
}
