import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { screen, waitFor } from '@testing-library/react';
import { rootRouteRef } from '../../routes';
import { SecretsSidebarItem } from './SecretsSidebarItem';

// Its own file: usePermission caches decisions per module registry.
describe('SecretsSidebarItem, without manage-secrets', () => {
  it('renders nothing at all', async () => {
    const authorize = jest.fn(
      (): AuthorizeResult.ALLOW | AuthorizeResult.DENY => AuthorizeResult.DENY,
    );
    renderInTestApp(
      <div data-testid="sidebar">
        <SecretsSidebarItem />
      </div>,
      {
        mountedRoutes: { '/secrets': rootRouteRef },
        apis: [mockApis.permission({ authorize })],
      },
    );
    await waitFor(() => expect(authorize).toHaveBeenCalled());
    const sidebar = await screen.findByTestId('sidebar');
    // Give the decision a moment to render.
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(sidebar).toBeEmptyDOMElement();
  });
});
