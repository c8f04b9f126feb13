import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';

/**
 * One request to the secrets backend: `path` is relative to its base URL.
 * A non-2xx answer becomes a ResponseError that keeps the backend's
 * `{ error: { name, message } }` as `error.cause`, so pages can show the
 * backend's own explanation.
 */
export async function secretsRequest(
  apis: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
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
