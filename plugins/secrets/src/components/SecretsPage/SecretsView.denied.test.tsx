import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { FakeSecretsBackend } from '../../__testUtils__/fakeSecretsBackend';
import { fixtures } from '../../__testUtils__/fixtures';
import { renderWithApis } from '../../__testUtils__/renderSecretsView';
import { SecretsView } from './SecretsView';

// Its own file: usePermission caches decisions (SWR) for the whole module
// registry, so a denial cannot share a file with tests that are allowed.
const server = setupServer();
registerMswTestHooks(server);

describe('SecretsView without manage-secrets', () => {
  it('explains the missing permission and does not request the list', async () => {
    const backend = new FakeSecretsBackend([fixtures.set]);
    backend.install(server);
    await renderWithApis(<SecretsView />, { allowed: false });
    expect(
      await screen.findByText('You need the manage-secrets permission'),
    ).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent(
      /Ask a Backstage administrator/,
    );
    expect(screen.queryByText('OPENAI_API_KEY')).not.toBeInTheDocument();
    expect(backend.requests).toEqual([]);
  });
});
