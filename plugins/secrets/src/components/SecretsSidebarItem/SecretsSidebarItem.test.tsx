import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { screen } from '@testing-library/react';
import { rootRouteRef } from '../../routes';
import { SecretsSidebarItem } from './SecretsSidebarItem';

describe('SecretsSidebarItem, for a holder of manage-secrets', () => {
  it('links to the page', async () => {
    renderInTestApp(<SecretsSidebarItem />, {
      mountedRoutes: { '/admin/secrets': rootRouteRef },
      apis: [mockApis.permission({ authorize: AuthorizeResult.ALLOW })],
    });
    expect(
      await screen.findByRole('link', { name: /Manage secrets/ }),
    ).toHaveAttribute('href', '/admin/secrets');
  });
});
