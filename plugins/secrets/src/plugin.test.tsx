import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { entitySecretsApiRef, secretsApiRef, userSecretsApiRef } from './api';
import { SecretsSidebarItem } from './components/SecretsSidebarItem';
import { SecretsPage, secretsPlugin } from './plugin';
import { FakeSecretsBackend } from './__testUtils__/fakeSecretsBackend';
import { fixtures } from './__testUtils__/fixtures';
import { renderWithApis } from './__testUtils__/renderSecretsView';

const server = setupServer();
registerMswTestHooks(server);

describe('secretsPlugin (legacy frontend system)', () => {
  it('provides the secrets, entity secrets and user secrets APIs over discovery and fetch', () => {
    const factories = [...secretsPlugin.getApis()];
    expect(factories.map(f => f.api)).toEqual([
      secretsApiRef,
      entitySecretsApiRef,
      userSecretsApiRef,
    ]);
    for (const factory of factories) {
      expect(Object.keys(factory.deps).sort()).toEqual([
        'discoveryApi',
        'fetchApi',
      ]);
    }
  });

  it('exposes the page route', async () => {
    // As an app sees it: the app mounts the plugin's root route where it
    // likes; the routable SecretsPage renders there, and the sidebar item
    // links there.
    new FakeSecretsBackend([fixtures.set]).install(server);
    await renderWithApis(
      <>
        <SecretsSidebarItem />
        <SecretsPage />
      </>,
      { mountedRoutes: { '/admin/secrets': secretsPlugin.routes.root } },
    );
    expect(
      await screen.findByRole('heading', { level: 1, name: 'Manage secrets' }),
    ).toBeInTheDocument();
    expect(await screen.findByText('OPENAI_API_KEY')).toBeInTheDocument();
    expect(
      await screen.findByRole('link', { name: /Manage secrets/ }),
    ).toHaveAttribute('href', '/admin/secrets');
  });
});
