import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { setupServer } from 'msw/node';
import { FakeSecretsBackend } from '../../__testUtils__/fakeSecretsBackend';
import { fixtures } from '../../__testUtils__/fixtures';
import { renderWithApis } from '../../__testUtils__/renderSecretsView';
import { row } from '../../__testUtils__/rows';
import { SecretsView } from '../SecretsPage/SecretsView';

const server = setupServer();
registerMswTestHooks(server);

const KEY = 'integrations.github[0].token';
const secret = (name: string, overrides: Partial<SecretSummary>) => ({
  ...fixtures.set,
  name,
  description: undefined,
  obtainUrl: undefined,
  ...overrides,
});

describe('a secret used in app-config', () => {
  it('shows its keys, and restart to apply only when a newer version is stored', async () => {
    new FakeSecretsBackend([
      secret('LOADED_TOKEN', {
        version: 3,
        appConfig: { paths: [KEY], loadedVersion: 3 },
      }),
      secret('NEWER_TOKEN', {
        version: 4,
        appConfig: { paths: [KEY], loadedVersion: 3 },
      }),
      secret('PLAIN_TOKEN', { version: 4 }),
    ]).install(server);
    await renderWithApis(<SecretsView />);

    const loaded = await row('LOADED_TOKEN');
    expect(loaded).toHaveTextContent('Used in app-config');
    expect(
      within(loaded).getByLabelText('App-config keys that use LOADED_TOKEN'),
    ).toHaveTextContent(KEY);
    expect(within(loaded).queryByText('Restart to apply')).toBeNull();

    const newer = await row('NEWER_TOKEN');
    expect(within(newer).getByText('Restart to apply')).toBeInTheDocument();

    const plain = await row('PLAIN_TOKEN');
    expect(plain).not.toHaveTextContent('Used in app-config');

    await userEvent.type(
      screen.getByPlaceholderText('Search secrets'),
      'restart to apply',
    );
    await waitFor(() =>
      expect(
        screen.queryByText('LOADED_TOKEN', { selector: 'div' }),
      ).toBeNull(),
    );
    expect(
      screen.getByText('NEWER_TOKEN', { selector: 'div' }),
    ).toBeInTheDocument();
  });
});
