import type { Entity } from '@backstage/catalog-model';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { DefaultEntityPresentationApi } from '@backstage/plugin-catalog';
import {
  entityPresentationApiRef,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import type { FetchApi, RouteRef } from '@backstage/core-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  entitySecretsApiRef,
  EntitySecretsClient,
  secretsApiRef,
  SecretsClient,
  userSecretsApiRef,
  UserSecretsClient,
  type SecretsApi,
  type UserSecretsApi,
} from '../api';
import { BACKEND_URL } from './fakeSecretsBackend';
import { catalogUsers } from './fixtures';

/** What went over the network between the page and the backend. */
export type NetworkLog = {
  /** Each request: method, URL and body as sent. */
  requests: Array<{ method: string; url: string; body?: string }>;
  /** The body of every response, as text. */
  responses: Array<{ url: string; status: number; body: string }>;
};

/**
 * The app's fetchApi, keeping a copy of every request body and response
 * body: what the page sent and what it got back, byte for byte.
 */
function recordingFetchApi(log: NetworkLog): FetchApi {
  const inner = mockApis.fetch();
  return {
    fetch: async (input, init) => {
      const url = typeof input === 'string' ? input : String(input);
      log.requests.push({
        method: init?.method ?? 'GET',
        url,
        body: typeof init?.body === 'string' ? init.body : undefined,
      });
      const response = await inner.fetch(input, init);
      log.responses.push({
        url,
        status: response.status,
        body: await response.clone().text(),
      });
      return response;
    },
  };
}

export type RenderOptions = {
  allowed?: boolean;
  /** Routes the test app mounts, besides the catalog's entity page. */
  mountedRoutes?: Record<string, RouteRef>;
  entities?: Entity[];
  /** Replaces the real client (over msw) with this implementation. */
  secretsApi?: SecretsApi;
  /** Replaces the real user secrets client (over msw) with this implementation. */
  userSecretsApi?: UserSecretsApi;
};

/**
 * Renders an element with the APIs the page needs: the real SecretsClient
 * (talking to whatever msw serves), a permission API, and the catalog's real
 * entity presentation API over a mocked catalog.
 */
export async function renderWithApis(
  element: JSX.Element,
  options: RenderOptions = {},
): Promise<{
  rendered: ReturnType<typeof renderInTestApp>;
  catalogApi: ReturnType<typeof catalogApiMock.mock>;
  alertApi: ReturnType<typeof mockApis.alert>;
  network: NetworkLog;
}> {
  const catalogApi = catalogApiMock.mock({
    getEntitiesByRefs: jest.fn(async ({ entityRefs }) => ({
      items: entityRefs.map(ref =>
        (options.entities ?? catalogUsers).find(
          e =>
            `${e.kind}:${e.metadata.namespace ?? 'default'}/${
              e.metadata.name
            }`.toLocaleLowerCase() === ref.toLocaleLowerCase(),
        ),
      ),
    })),
  });
  const alertApi = mockApis.alert();
  const network: NetworkLog = { requests: [], responses: [] };
  const secretsApi =
    options.secretsApi ??
    new SecretsClient({
      discoveryApi: mockApis.discovery({ baseUrl: BACKEND_URL }),
      fetchApi: recordingFetchApi(network),
    });
  const rendered = renderInTestApp(element, {
    mountedRoutes: {
      '/catalog/:namespace/:kind/:name': entityRouteRef,
      ...options.mountedRoutes,
    },
    apis: [
      [secretsApiRef, secretsApi],
      [
        userSecretsApiRef,
        options.userSecretsApi ??
          new UserSecretsClient({
            discoveryApi: mockApis.discovery({ baseUrl: BACKEND_URL }),
            fetchApi: mockApis.fetch(),
          }),
      ],
      [
        entitySecretsApiRef,
        new EntitySecretsClient({
          discoveryApi: mockApis.discovery({ baseUrl: BACKEND_URL }),
          fetchApi: recordingFetchApi(network),
        }),
      ],
      [
        entityPresentationApiRef,
        DefaultEntityPresentationApi.create({ catalogApi }),
      ],
      mockApis.permission({
        authorize:
          options.allowed === false
            ? AuthorizeResult.DENY
            : AuthorizeResult.ALLOW,
      }),
      alertApi,
    ],
  });
  return { rendered, catalogApi, alertApi, network };
}
