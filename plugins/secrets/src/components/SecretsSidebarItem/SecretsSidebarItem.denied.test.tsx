import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { usePermission } from '@backstage/plugin-permission-react';
import { manageSecretsPermission } from '@backstage-secrets/plugin-secrets-common';
import { screen } from '@testing-library/react';
import { rootRouteRef } from '../../routes';
import { SecretsSidebarItem } from './SecretsSidebarItem';

/**
 * Shows the permission decision the item waits for: the same permission
 * through the same hook, so it settles in the same render as the item.
 */
function Decision() {
  const { loading, allowed } = usePermission({
    permission: manageSecretsPermission,
  });
  if (loading) return <span>deciding</span>;
  return <span>{allowed ? 'decided: allowed' : 'decided: denied'}</span>;
}

// Its own file: usePermission caches decisions per module registry.
describe('SecretsSidebarItem, without manage-secrets', () => {
  it('renders nothing at all', async () => {
    const authorize = jest.fn(
      (): AuthorizeResult.ALLOW | AuthorizeResult.DENY => AuthorizeResult.DENY,
    );
    renderInTestApp(
      <>
        <div data-testid="sidebar">
          <SecretsSidebarItem />
        </div>
        <Decision />
      </>,
      {
        mountedRoutes: { '/secrets': rootRouteRef },
        apis: [mockApis.permission({ authorize })],
      },
    );
    // Only once denied (not while still deciding) is absence meaningful.
    expect(await screen.findByText('decided: denied')).toBeInTheDocument();
    expect(authorize).toHaveBeenCalled();
    expect(screen.getByTestId('sidebar')).toBeEmptyDOMElement();
  });
});
