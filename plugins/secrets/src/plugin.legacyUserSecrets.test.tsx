import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { UserSecretsPage } from './plugin';
import { FakeUserSecretsBackend } from './__testUtils__/fakeUserSecretsBackend';
import { userFixtures } from './__testUtils__/fixtures';
import { renderWithApis } from './__testUtils__/renderSecretsView';

const server = setupServer();
registerMswTestHooks(server);

describe('UserSecretsPage (legacy frontend system)', () => {
  it('renders "My secrets" with the signed-in user’s secrets', async () => {
    new FakeUserSecretsBackend([userFixtures.setAndAllowed]).install(server);
    await renderWithApis(<UserSecretsPage />);
    expect(await screen.findByText('Your value is set')).toBeInTheDocument();
    expect(screen.getByText('PERSONAL_GITHUB_TOKEN')).toBeInTheDocument();
  });
});
