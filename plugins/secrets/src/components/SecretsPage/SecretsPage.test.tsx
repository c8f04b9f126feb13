import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { FakeSecretsBackend } from '../../__testUtils__/fakeSecretsBackend';
import { fixtures } from '../../__testUtils__/fixtures';
import { renderWithApis } from '../../__testUtils__/renderSecretsView';
import { SecretsPage } from './SecretsPage';

const server = setupServer();
registerMswTestHooks(server);

describe('SecretsPage (legacy frontend system)', () => {
  it('is a whole page: header and the secrets', async () => {
    new FakeSecretsBackend([fixtures.set]).install(server);
    await renderWithApis(<SecretsPage />);
    expect(
      screen.getByRole('heading', { level: 1, name: 'Manage secrets' }),
    ).toBeInTheDocument();
    expect(await screen.findByText('OPENAI_API_KEY')).toBeInTheDocument();
  });
});
