import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { setupServer } from 'msw/node';
import type { SecretsApi } from '../../api';
import { FakeSecretsBackend } from '../../__testUtils__/fakeSecretsBackend';
import { fixtures } from '../../__testUtils__/fixtures';
import { renderWithApis } from '../../__testUtils__/renderSecretsView';
import { SecretsView } from './SecretsView';

const server = setupServer();
registerMswTestHooks(server);

let backend: FakeSecretsBackend;

function serve(secrets: SecretSummary[]) {
  backend = new FakeSecretsBackend(secrets);
  backend.install(server);
  return backend;
}

/** The table row of a secret, found by its name. */
async function row(name: string) {
  const cell = await screen.findByText(name, { selector: 'div' });
  return cell.closest('tr') as HTMLElement;
}

/** The same, synchronously: rows are re-created when the list refreshes. */
function getRow(name: string) {
  return screen
    .getByText(name, { selector: 'div' })
    .closest('tr') as HTMLElement;
}

function rowNames(): string[] {
  return screen
    .getAllByRole('row')
    .slice(1)
    .map(
      r => r.querySelector('[data-testid="secret-name"]')?.textContent ?? '',
    );
}

afterEach(() => {
  // Whatever a test did, the page never asked for a value.
  const valueReads = (backend?.requests ?? []).filter(r =>
    /\/value$/.test(r.path),
  );
  if (valueReads.length > 0) {
    throw new Error(`The page requested values: ${JSON.stringify(valueReads)}`);
  }
});

describe('SecretsView', () => {
  it('shows a progress bar while the list loads', async () => {
    const never: SecretsApi = {
      listSecrets: () => new Promise(() => {}),
      setSecret: jest.fn(),
      clearSecret: jest.fn(),
      listVersions: jest.fn(),
      restoreVersion: jest.fn(),
      checkSecret: jest.fn(),
    };
    await renderWithApis(<SecretsView />, { secretsApi: never });
    // core-components' Progress appears after a short delay (no flicker).
    expect(await screen.findByRole('progressbar')).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('tells admins that no plugin registered a secret yet', async () => {
    serve([]);
    await renderWithApis(<SecretsView />);
    expect(
      await screen.findByText('No secrets registered yet'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/No plugin has registered a secret yet/),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: /How plugins register secrets/ }),
    ).toHaveAttribute(
      'href',
      'https://www.npmjs.com/package/@backstage-secrets/plugin-secrets-node',
    );
  });

  it('warns admins when the permission policy lets everyone manage secrets', async () => {
    serve([fixtures.set]).everyoneMayManage = true;
    await renderWithApis(<SecretsView />);
    expect(
      await screen.findByText(/Every signed-in user can manage secrets/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        /@backstage-secrets\/plugin-permission-backend-module-secrets-policy/,
      ),
    ).toBeInTheDocument();
  });

  it('shows no such warning with a policy that restricts managing', async () => {
    serve([fixtures.set]);
    await renderWithApis(<SecretsView />);
    await row('OPENAI_API_KEY');
    expect(
      screen.queryByText(/Every signed-in user can manage secrets/),
    ).toBeNull();
  });

  it('lists mixed statuses, not-set first, with a summary', async () => {
    serve([
      fixtures.set,
      fixtures.orphaned,
      fixtures.pinnedByConfig,
      fixtures.missing,
      fixtures.unreadable,
      fixtures.json,
    ]);
    await renderWithApis(<SecretsView />);
    await row('OPENAI_API_KEY');

    expect(rowNames()).toEqual([
      'GOOGLE_SERVICE_ACCOUNT_JSON',
      'PAGERDUTY_API_TOKEN',
      'SONAR_TOKEN',
      'GITHUB_TOKEN',
      'OPENAI_API_KEY',
      'OLD_JIRA_TOKEN',
    ]);
    expect(screen.getByRole('status')).toHaveTextContent(
      '2 of 5 secrets set, 2 missing, 1 pinned outside the database, 1 unreadable, 1 orphaned',
    );

    const set = await row('OPENAI_API_KEY');
    expect(within(set).getByText('Set')).toBeInTheDocument();
    expect(within(set).getByText('v3')).toBeInTheDocument();
    // The description is markdown (rendered once its renderer has loaded).
    expect((await within(set).findByText('assistant')).tagName).toBe('EM');
    expect(
      within(set).getByRole('link', { name: /^Get an OpenAI API key/ }),
    ).toHaveAttribute('href', 'https://platform.openai.com/api-keys');
    expect(within(set).getByText('by plugin:catalog')).toBeInTheDocument();
    expect(
      within(set).getByRole('button', { name: 'Replace OPENAI_API_KEY' }),
    ).toBeInTheDocument();
    expect(
      within(set).getByRole('button', { name: 'Clear OPENAI_API_KEY' }),
    ).toBeInTheDocument();

    const missing = await row('PAGERDUTY_API_TOKEN');
    expect(within(missing).getByText('Not set')).toBeInTheDocument();
    expect(within(missing).getByText('PagerDuty').tagName).toBe('STRONG');
    expect(
      within(missing).getByRole('button', { name: 'Set PAGERDUTY_API_TOKEN' }),
    ).toBeInTheDocument();
    expect(
      within(missing).queryByRole('button', { name: /Clear/ }),
    ).not.toBeInTheDocument();

    const unreadable = await row('SONAR_TOKEN');
    expect(within(unreadable).getByText('Unreadable')).toBeInTheDocument();
    expect(
      within(unreadable).getByText(/cannot be decrypted/),
    ).toBeInTheDocument();

    const json = await row('GOOGLE_SERVICE_ACCOUNT_JSON');
    expect(within(json).getByText('JSON')).toBeInTheDocument();
  });

  it('says where pinned values come from and offers no edit', async () => {
    serve([fixtures.pinnedByConfig, fixtures.pinnedByEnvironment]);
    await renderWithApis(<SecretsView />);

    const config = await row('GITHUB_TOKEN');
    expect(
      within(config).getByText('Pinned by configuration'),
    ).toBeInTheDocument();
    expect(
      within(config).getByText('secrets.values.GITHUB_TOKEN'),
    ).toBeInTheDocument();
    expect(within(config).queryByRole('button')).not.toBeInTheDocument();
    expect(within(config).getByText('Not editable here')).toBeInTheDocument();

    const env = await row('SLACK_WEBHOOK');
    expect(
      within(env).getByText('Pinned by environment variable'),
    ).toBeInTheDocument();
    expect(
      within(env).getByText('BACKSTAGE_SECRETS_SLACK_WEBHOOK'),
    ).toBeInTheDocument();
    expect(within(env).queryByRole('button')).not.toBeInTheDocument();
  });

  it('marks orphans and only offers to clear them', async () => {
    serve([fixtures.orphaned, fixtures.missing]);
    await renderWithApis(<SecretsView />);
    const orphan = await row('OLD_JIRA_TOKEN');
    expect(within(orphan).getByText('Orphaned')).toBeInTheDocument();
    expect(
      within(orphan).getByText(/no plugin registers this secret any more/),
    ).toBeInTheDocument();
    expect(
      within(orphan)
        .getAllByRole('button')
        .map(b => b.textContent),
    ).toEqual(['Clear']);
    expect(screen.getByRole('status')).toHaveTextContent(
      '0 of 1 secret set, 1 missing, 1 orphaned',
    );
  });

  it('shows which backend plugins may read each secret', async () => {
    serve([
      fixtures.set,
      fixtures.missing,
      { ...fixtures.json, readers: [] },
      { ...fixtures.orphaned, readers: ['catalog'] },
    ]);
    await renderWithApis(<SecretsView />);

    // Readers from the definition (or config): their plugin ids.
    const set = await row('OPENAI_API_KEY');
    expect(
      screen.getAllByRole('columnheader').map(h => h.textContent),
    ).toContain('Readers');
    const readers = within(set).getByRole('list', {
      name: 'Readers of OPENAI_API_KEY',
    });
    expect(
      within(readers)
        .getAllByRole('listitem')
        .map(item => item.textContent),
    ).toEqual(['example-consumer', 'catalog']);
    expect(within(set).queryByText('Any backend plugin')).toBeNull();

    // No readers: any backend plugin, and how to narrow it.
    const open = await row('PAGERDUTY_API_TOKEN');
    expect(within(open).getByText('Any backend plugin')).toBeInTheDocument();
    expect(within(open).getByText(/To narrow it, set/)).toHaveTextContent(
      'To narrow it, set readers in the definition or secrets.readers.PAGERDUTY_API_TOKEN in app-config.',
    );

    // An empty list: nobody.
    const closed = await row('GOOGLE_SERVICE_ACCOUNT_JSON');
    expect(within(closed).getByText('No backend plugin')).toBeInTheDocument();

    // An orphan has no definition: nothing in that column.
    const orphan = await row('OLD_JIRA_TOKEN');
    expect(within(orphan).queryByRole('list')).toBeNull();
    expect(within(orphan).queryByText(/backend plugin/)).toBeNull();
  });

  it('finds secrets by their readers', async () => {
    serve([fixtures.set, fixtures.missing, fixtures.pinnedByConfig]);
    await renderWithApis(<SecretsView />);
    await row('OPENAI_API_KEY');
    await userEvent.type(
      screen.getByPlaceholderText('Search secrets'),
      'example-consumer',
    );
    await waitFor(() => expect(rowNames()).toEqual(['OPENAI_API_KEY']));
    await userEvent.clear(screen.getByPlaceholderText('Search secrets'));
    await userEvent.type(
      screen.getByPlaceholderText('Search secrets'),
      'any backend',
    );
    await waitFor(() =>
      expect(rowNames()).toEqual(['PAGERDUTY_API_TOKEN', 'GITHUB_TOKEN']),
    );
  });

  it('shows the error from the API and recovers on retry', async () => {
    serve([fixtures.set]);
    backend.failNextList = {
      status: 403,
      name: 'NotAllowedError',
      message: 'Missing permission manage-secrets',
    };
    await renderWithApis(<SecretsView />);
    expect(
      await screen.findByText(/Could not load the secrets/),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(/Missing permission manage-secrets/).length,
    ).toBeGreaterThan(0);

    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await row('OPENAI_API_KEY')).toBeInTheDocument();
  });

  it('resolves people through the catalog and falls back to the ref', async () => {
    const { catalogApi } = await renderWithApis(<SecretsView />, {});
    // (rendered before serving: the list request waits for the handler)
    serve([
      fixtures.set,
      fixtures.orphaned,
      { ...fixtures.unreadable, updatedBy: 'user:default/alice' },
    ]);
    const set = await row('OPENAI_API_KEY');
    const alice = await within(set).findByRole('link', {
      name: 'Alice Adminson',
    });
    expect(alice).toHaveAttribute('href', '/catalog/default/user/alice');

    // carol is not in the catalog: her raw ref, not a guess and not a link.
    const orphan = await row('OLD_JIRA_TOKEN');
    expect(within(orphan).getByText('user:default/carol')).toBeInTheDocument();
    expect(within(orphan).queryByRole('link')).not.toBeInTheDocument();

    // Every row's people came from one batched catalog request.
    expect(catalogApi.getEntitiesByRefs).toHaveBeenCalledTimes(1);
    expect(
      [...catalogApi.getEntitiesByRefs.mock.calls[0][0].entityRefs].sort(),
    ).toEqual(['user:default/alice', 'user:default/carol']);
  });

  it('shows who used a secret on whose behalf', async () => {
    serve([
      {
        ...fixtures.set,
        lastUsedBy: 'plugin:scaffolder on behalf of user:default/bob',
      },
    ]);
    await renderWithApis(<SecretsView />);
    const set = await row('OPENAI_API_KEY');
    expect(
      await within(set).findByRole('link', { name: 'Bob Builder' }),
    ).toHaveAttribute('href', '/catalog/default/user/bob');
    expect(
      within(set).getByText(/plugin:scaffolder on behalf of/),
    ).toBeInTheDocument();
  });

  it('shows the plugin that read a secret on behalf of a user', async () => {
    serve([
      {
        ...fixtures.set,
        lastUsedBy: 'user:default/bob',
        lastUsedVia: 'plugin:catalog',
      },
    ]);
    await renderWithApis(<SecretsView />);
    const set = await row('OPENAI_API_KEY');
    expect(
      await within(set).findByRole('link', { name: 'Bob Builder' }),
    ).toBeInTheDocument();
    expect(within(set).getByText(/via plugin:catalog/)).toBeInTheDocument();
  });

  it('filters with the search box', async () => {
    serve([fixtures.set, fixtures.missing, fixtures.pinnedByConfig]);
    await renderWithApis(<SecretsView />);
    await row('OPENAI_API_KEY');
    await userEvent.type(
      screen.getByPlaceholderText('Search secrets'),
      'pinned',
    );
    await waitFor(() => expect(rowNames()).toEqual(['GITHUB_TOKEN']));
    await userEvent.clear(screen.getByPlaceholderText('Search secrets'));
    await userEvent.type(
      screen.getByPlaceholderText('Search secrets'),
      'pagerduty',
    );
    await waitFor(() => expect(rowNames()).toEqual(['PAGERDUTY_API_TOKEN']));
  });

  it('sets, replaces and clears a secret, updating the row each time', async () => {
    serve([fixtures.missing, fixtures.set]);
    const { alertApi } = await renderWithApis(<SecretsView />);

    await userEvent.click(
      within(await row('PAGERDUTY_API_TOKEN')).getByRole('button', {
        name: 'Set PAGERDUTY_API_TOKEN',
      }),
    );
    await userEvent.type(
      screen.getByLabelText('New value of PAGERDUTY_API_TOKEN'),
      'pd-canary-1',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    await waitFor(() =>
      expect(
        within(getRow('PAGERDUTY_API_TOKEN')).getByText('v1'),
      ).toBeInTheDocument(),
    );
    expect(
      within(getRow('PAGERDUTY_API_TOKEN')).getByText('Set'),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(
        within(getRow('PAGERDUTY_API_TOKEN')).getByRole('link', {
          name: 'Alice Adminson',
        }),
      ).toBeInTheDocument(),
    );
    expect(screen.getByRole('status')).toHaveTextContent('2 of 2 secrets set');
    expect(alertApi.getAlerts().map(a => a.message)).toContain(
      'Saved PAGERDUTY_API_TOKEN (v1).',
    );

    // Replace: the dialog expects the version just saved.
    await userEvent.click(
      within(getRow('PAGERDUTY_API_TOKEN')).getByRole('button', {
        name: 'Replace PAGERDUTY_API_TOKEN',
      }),
    );
    await userEvent.type(
      screen.getByLabelText('New value of PAGERDUTY_API_TOKEN'),
      'pd-canary-2',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(
        within(getRow('PAGERDUTY_API_TOKEN')).getByText('v2'),
      ).toBeInTheDocument(),
    );

    // Clear, confirming in a dialog that names the secret.
    await userEvent.click(
      within(getRow('PAGERDUTY_API_TOKEN')).getByRole('button', {
        name: 'Clear PAGERDUTY_API_TOKEN',
      }),
    );
    expect(
      screen.getByRole('heading', { name: 'Clear PAGERDUTY_API_TOKEN?' }),
    ).toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('button', { name: 'Clear PAGERDUTY_API_TOKEN' }),
    );
    await waitFor(() =>
      expect(
        within(getRow('PAGERDUTY_API_TOKEN')).getByText('Not set'),
      ).toBeInTheDocument(),
    );

    expect(
      backend.requests
        .filter(r => r.method !== 'GET')
        .map(r => [r.method, r.body]),
    ).toEqual([
      ['PUT', { value: 'pd-canary-1', expectedVersion: 0 }],
      ['PUT', { value: 'pd-canary-2', expectedVersion: 1 }],
      ['DELETE', undefined],
    ]);
    // What the page received never contained a value.
    expect(document.body.innerHTML).not.toContain('pd-canary');
  });

  it('on a conflict, keeps the input, refreshes, and saves on the new version', async () => {
    serve([fixtures.set]);
    await renderWithApis(<SecretsView />);
    await userEvent.click(
      within(await row('OPENAI_API_KEY')).getByRole('button', {
        name: 'Replace OPENAI_API_KEY',
      }),
    );
    // Bob saves while we type.
    backend.changeBehindTheScenes('OPENAI_API_KEY', 'user:default/bob');
    const input = screen.getByLabelText('New value of OPENAI_API_KEY');
    await userEvent.type(input, 'sk-mine');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Someone else changed OPENAI_API_KEY while you were editing',
    );
    expect(input).toHaveValue('sk-mine');
    // The list behind the dialog now shows Bob's version.
    await waitFor(() =>
      expect(
        within(getRow('OPENAI_API_KEY')).getByText('v4'),
      ).toBeInTheDocument(),
    );

    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(
        within(getRow('OPENAI_API_KEY')).getByText('v5'),
      ).toBeInTheDocument(),
    );
    expect(
      backend.requests.filter(r => r.method === 'PUT').map(r => r.body),
    ).toEqual([
      { value: 'sk-mine', expectedVersion: 3 },
      { value: 'sk-mine', expectedVersion: 4 },
    ]);
  });

  it('shows a per-user secret as such: a count of users, no value cells, no actions', async () => {
    serve([fixtures.set, fixtures.perUser]);
    await renderWithApis(<SecretsView />);
    const perUser = within(await row('PERSONAL_GITHUB_TOKEN'));
    expect(perUser.getByText('Per user')).toBeInTheDocument();
    expect(perUser.getByText('2 users set a value')).toBeInTheDocument();
    expect(perUser.getByText('Set by each user')).toBeInTheDocument();
    expect(
      perUser.queryByRole('button', { name: /Set|Replace|Clear/ }),
    ).toBeNull();
    // Neither a version nor when it was used: those are per user.
    expect(perUser.queryByText(/^v\d/)).toBeNull();
    expect(perUser.queryByText('Not used yet')).toBeNull();
    // The shared secret beside it keeps its actions.
    expect(
      within(getRow('OPENAI_API_KEY')).getByRole('button', {
        name: 'Replace OPENAI_API_KEY',
      }),
    ).toBeInTheDocument();
    // Counted apart: neither set nor missing.
    expect(screen.getByRole('status')).toHaveTextContent(
      '1 of 1 secret set, 0 missing, 1 per-user secret',
    );
  });
});
