import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { FakeUserSecretsBackend } from '../../__testUtils__/fakeUserSecretsBackend';
import { userFixtures } from '../../__testUtils__/fixtures';
import { renderWithApis } from '../../__testUtils__/renderSecretsView';
import { UserSecretPrompt } from './UserSecretPrompt';

const server = setupServer();
registerMswTestHooks(server);

describe('UserSecretPrompt', () => {
  it('asks for a missing value with the reason, and adds and allows in one step', async () => {
    const backend = new FakeUserSecretsBackend([userFixtures.unset]).install(
      server,
    );
    const onReady = jest.fn();
    await renderWithApis(
      <UserSecretPrompt
        name="PERSONAL_OPENAI_API_KEY"
        pluginId="example-consumer"
        onReady={onReady}
      />,
    );
    expect(
      await screen.findByText('Your PERSONAL_OPENAI_API_KEY is needed'),
    ).toBeInTheDocument();
    expect(
      await screen.findByRole('link', { name: /Why\?/ }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: /Get an OpenAI API key/ }),
    ).toBeInTheDocument();
    const input = screen.getByLabelText('New value of PERSONAL_OPENAI_API_KEY');
    expect(input).toHaveAttribute('type', 'password');
    await userEvent.type(input, 'test-only-value');
    await userEvent.click(
      screen.getByRole('button', { name: 'Add and allow' }),
    );

    expect(await screen.findByRole('status')).toHaveTextContent(
      'example-consumer is using your PERSONAL_OPENAI_API_KEY.',
    );
    expect(
      screen.getByRole('link', { name: 'Manage it in My secrets' }),
    ).toHaveAttribute('href', '/settings/secrets');
    expect(
      backend.requests
        .filter(r => r.method === 'PUT')
        .map(r => [r.path, r.body]),
    ).toEqual([
      [
        '/api/secrets/user/secrets/PERSONAL_OPENAI_API_KEY',
        { value: 'test-only-value', expectedVersion: 0 },
      ],
      [
        '/api/secrets/user/secrets/PERSONAL_OPENAI_API_KEY/grants/example-consumer',
        { allowed: true },
      ],
    ]);
    expect(onReady).toHaveBeenCalledTimes(1);
    expect(onReady.mock.calls[0][0]).not.toHaveProperty('value');
  });

  it('offers only "Allow" when the value is set but the plugin is not allowed', async () => {
    const backend = new FakeUserSecretsBackend([
      userFixtures.setAndAllowed,
    ]).install(server);
    await renderWithApis(
      <UserSecretPrompt name="PERSONAL_GITHUB_TOKEN" pluginId="catalog" />,
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Allow catalog' }),
    );
    expect(await screen.findByRole('status')).toHaveTextContent(
      'catalog is using your PERSONAL_GITHUB_TOKEN.',
    );
    expect(screen.queryByLabelText(/New value/)).toBeNull();
    expect(backend.requests.filter(r => r.method === 'PUT')).toHaveLength(1);
  });

  it('renders nothing once ready, with hideWhenReady', async () => {
    const backend = new FakeUserSecretsBackend([
      userFixtures.setAndAllowed,
    ]).install(server);
    const { rendered } = await renderWithApis(
      <div data-testid="host">
        <UserSecretPrompt
          name="PERSONAL_GITHUB_TOKEN"
          pluginId="example-consumer"
          hideWhenReady
        />
      </div>,
    );
    await waitFor(() => expect(backend.requests).toHaveLength(1));
    await waitFor(() =>
      expect(screen.getByTestId('host')).toBeEmptyDOMElement(),
    );
    expect(rendered).toBeDefined();
  });

  it('says when no plugin registers such a per-user secret', async () => {
    new FakeUserSecretsBackend([]).install(server);
    await renderWithApis(
      <UserSecretPrompt name="NOPE" pluginId="example-consumer" />,
    );
    expect(
      await screen.findByText(
        'No plugin registers a per-user secret named NOPE.',
      ),
    ).toBeInTheDocument();
  });
});
