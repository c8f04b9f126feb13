import type { Entity } from '@backstage/catalog-model';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { DefaultEntityPresentationApi } from '@backstage/plugin-catalog';
import {
  entityPresentationApiRef,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  secretsApiRef,
  SecretsClient,
  userSecretsApiRef,
  UserSecretsClient,
  type SecretsApi,
  type UserSecretsApi,
} from '../api';
import { BACKEND_URL } from './fakeSecretsBackend';
import { catalogUsers } from './fixtures';

export type RenderOptions = {
  allowed?: boolean;
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
) {
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
  const secretsApi =
    options.secretsApi ??
    new SecretsClient({
      discoveryApi: mockApis.discovery({ baseUrl: BACKEND_URL }),
      fetchApi: mockApis.fetch(),
    });
  const rendered = renderInTestApp(element, {
    mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
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
  return { rendered, catalogApi, alertApi };
}
