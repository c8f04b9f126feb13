import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { FakeUserSecretsBackend } from '../../__testUtils__/fakeUserSecretsBackend';
import { userFixtures } from '../../__testUtils__/fixtures';
import { renderWithApis } from '../../__testUtils__/renderSecretsView';
import { UserSecretsContent } from './UserSecretsContent';

const server = setupServer();
registerMswTestHooks(server);

const card = (name: string) =>
  within(screen.getByTestId(`user-secret-${name}`));

describe('UserSecretsContent ("My secrets")', () => {
  it('shows each secret with its reason, link, state, plugins and last use', async () => {
    new FakeUserSecretsBackend([
      userFixtures.unset,
      userFixtures.setAndAllowed,
    ]).install(server);
    await renderWithApis(<UserSecretsContent />);
    await screen.findByTestId('user-secret-PERSONAL_OPENAI_API_KEY');

    const unset = card('PERSONAL_OPENAI_API_KEY');
    expect(unset.getByText('No value yet')).toBeInTheDocument();
    expect(await unset.findByRole('link', { name: /Why\?/ })).toHaveAttribute(
      'href',
      'https://example.com/why',
    );
    expect(
      unset.getByRole('link', { name: /Get an OpenAI API key/ }),
    ).toHaveAttribute('href', 'https://platform.openai.com/api-keys');
    expect(
      unset.getByRole('button', { name: 'Add my PERSONAL_OPENAI_API_KEY' }),
    ).toBeInTheDocument();
    expect(unset.queryByRole('button', { name: /Clear/ })).toBeNull();
    expect(unset.getByText('Not used yet')).toBeInTheDocument();

    const set = card('PERSONAL_GITHUB_TOKEN');
    expect(set.getByText('Your value is set')).toBeInTheDocument();
    expect(set.getByTestId('last-used')).toHaveTextContent(
      /Last used .* by example-consumer/,
    );
    expect(
      set.getByRole('checkbox', {
        name: 'Allow example-consumer to use my PERSONAL_GITHUB_TOKEN',
      }),
    ).toBeChecked();
    expect(
      set.getByRole('checkbox', {
        name: 'Allow catalog to use my PERSONAL_GITHUB_TOKEN',
      }),
    ).not.toBeChecked();
  });

  it('adds a value through a masked field, sending only the value and version 0', async () => {
    const backend = new FakeUserSecretsBackend([userFixtures.unset]).install(
      server,
    );
    await renderWithApis(<UserSecretsContent />);
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Add my PERSONAL_OPENAI_API_KEY',
      }),
    );
    const input = screen.getByLabelText('New value of PERSONAL_OPENAI_API_KEY');
    expect(input).toHaveAttribute('type', 'password');
    await userEvent.type(input, 'test-only-value');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(
        card('PERSONAL_OPENAI_API_KEY').getByText('Your value is set'),
      ).toBeInTheDocument(),
    );
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(backend.requests.filter(r => r.method === 'PUT')).toEqual([
      {
        method: 'PUT',
        path: '/api/secrets/user/secrets/PERSONAL_OPENAI_API_KEY',
        body: { value: 'test-only-value', expectedVersion: 0 },
      },
    ]);
    // The value is on no screen once saved.
    expect(screen.queryByDisplayValue('test-only-value')).toBeNull();
  });

  it('allows and revokes a plugin with its switch', async () => {
    const backend = new FakeUserSecretsBackend([
      userFixtures.setAndAllowed,
    ]).install(server);
    await renderWithApis(<UserSecretsContent />);
    const toggle = await screen.findByRole('checkbox', {
      name: 'Allow example-consumer to use my PERSONAL_GITHUB_TOKEN',
    });
    await userEvent.click(toggle);
    await waitFor(() => expect(toggle).not.toBeChecked());
    await userEvent.click(
      screen.getByRole('checkbox', {
        name: 'Allow catalog to use my PERSONAL_GITHUB_TOKEN',
      }),
    );
    await waitFor(() =>
      expect(
        screen.getByRole('checkbox', {
          name: 'Allow catalog to use my PERSONAL_GITHUB_TOKEN',
        }),
      ).toBeChecked(),
    );
    expect(
      backend.requests
        .filter(r => r.method === 'PUT')
        .map(r => [r.path.split('/').pop(), r.body]),
    ).toEqual([
      ['example-consumer', { allowed: false }],
      ['catalog', { allowed: true }],
    ]);
  });

  it('says why a revoke failed and keeps the switch as it was', async () => {
    const backend = new FakeUserSecretsBackend([
      userFixtures.setAndAllowed,
    ]).install(server);
    backend.failNextGrant = {
      status: 500,
      name: 'Error',
      message: 'The database is unavailable',
    };
    await renderWithApis(<UserSecretsContent />);
    const toggle = await screen.findByRole('checkbox', {
      name: 'Allow example-consumer to use my PERSONAL_GITHUB_TOKEN',
    });
    await userEvent.click(toggle);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Revoking example-consumer failed: The database is unavailable',
    );
    expect(toggle).toBeChecked();
  });

  it('clears the value after asking', async () => {
    const backend = new FakeUserSecretsBackend([
      userFixtures.setAndAllowed,
    ]).install(server);
    await renderWithApis(<UserSecretsContent />);
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Clear my PERSONAL_GITHUB_TOKEN',
      }),
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'Clear my PERSONAL_GITHUB_TOKEN' }),
    );
    await waitFor(() =>
      expect(
        card('PERSONAL_GITHUB_TOKEN').getByText('No value yet'),
      ).toBeInTheDocument(),
    );
    expect(backend.requests.some(r => r.method === 'DELETE')).toBe(true);
  });

  it('says so when no plugin asks for a per-user secret', async () => {
    new FakeUserSecretsBackend([]).install(server);
    await renderWithApis(<UserSecretsContent />);
    expect(
      await screen.findByText('No plugin asks for your own secrets'),
    ).toBeInTheDocument();
  });

  it('shows a value of a name no plugin declares any more, with only Clear', async () => {
    const backend = new FakeUserSecretsBackend([
      userFixtures.setAndAllowed,
      userFixtures.orphaned,
    ]);
    backend.install(server);
    await renderWithApis(<UserSecretsContent />);
    await screen.findByTestId('user-secret-OLD_PERSONAL_TOKEN');
    const orphan = card('OLD_PERSONAL_TOKEN');
    expect(
      orphan.getByText(/No installed plugin uses this value any more/),
    ).toBeInTheDocument();
    expect(orphan.queryByRole('button', { name: /Replace/ })).toBeNull();
    expect(orphan.queryByText('Plugins that may use your value')).toBeNull();
    expect(
      orphan.getByRole('button', { name: 'Clear my OLD_PERSONAL_TOKEN' }),
    ).toBeInTheDocument();
    // A registered one keeps every action.
    expect(
      card('PERSONAL_GITHUB_TOKEN').getByRole('button', {
        name: 'Replace my PERSONAL_GITHUB_TOKEN',
      }),
    ).toBeInTheDocument();
  });
});
