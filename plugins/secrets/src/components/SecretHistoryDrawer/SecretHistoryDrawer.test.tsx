import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { setupServer } from 'msw/node';
import { FakeSecretsBackend } from '../../__testUtils__/fakeSecretsBackend';
import { fixtures } from '../../__testUtils__/fixtures';
import { renderWithApis } from '../../__testUtils__/renderSecretsView';
import { SecretsView } from '../SecretsPage/SecretsView';
import { getRow, row } from '../../__testUtils__/rows';

const server = setupServer();
registerMswTestHooks(server);

const NAME = 'OPENAI_API_KEY';
let backend: FakeSecretsBackend;

/** OPENAI_API_KEY with v1 by bob, v2 by carol, v3 by alice (current). */
function serve(overrides: Partial<SecretSummary> = {}) {
  backend = new FakeSecretsBackend([
    { ...fixtures.set, ...overrides, version: undefined },
  ]);
  backend.seedVersions(NAME, [
    'user:default/bob',
    'user:default/carol',
    'user:default/alice',
  ]);
  backend.install(server);
}

async function openHistory() {
  await userEvent.click(
    within(await row(NAME)).getByRole('button', {
      name: `History of ${NAME}`,
    }),
  );
  const drawer = await screen.findByRole('dialog', {
    name: `History of ${NAME}`,
  });
  const list = await within(drawer).findByRole('list', {
    name: `Versions of ${NAME}`,
  });
  return { drawer, list };
}

// hidden: true, as the drawer is hidden from assistive technology while the
// confirmation is open over it.
function versionLabels(list: HTMLElement) {
  return within(list)
    .getAllByRole('listitem', { hidden: true })
    .map(item => item.getAttribute('aria-label'));
}

describe('the history drawer', () => {
  it('lists the versions newest first, with who and when', async () => {
    serve();
    await renderWithApis(<SecretsView />);
    const { list } = await openHistory();

    expect(versionLabels(list)).toEqual(['v3', 'v2', 'v1']);
    const [v3, v2, v1] = within(list).getAllByRole('listitem');
    expect(within(v3).getByText('Current')).toBeInTheDocument();
    // The current version cannot be restored; the others can.
    expect(within(v3).queryByRole('button')).toBeNull();
    expect(
      within(v2).getByRole('button', { name: `Restore v2 of ${NAME}` }),
    ).toBeInTheDocument();
    // People through the catalog, with the raw ref for unknown ones.
    expect(
      await within(v1).findByRole('link', { name: 'Bob Builder' }),
    ).toHaveAttribute('href', '/catalog/default/user/bob');
    expect(within(v2).getByText('user:default/carol')).toBeInTheDocument();
    expect(within(v3).getByText('just now')).toBeInTheDocument();
  });

  it('restores after a confirmation, as a new version marked "restored from"', async () => {
    serve();
    const { alertApi } = await renderWithApis(<SecretsView />);
    const { drawer, list } = await openHistory();

    await userEvent.click(
      within(list).getByRole('button', { name: `Restore v1 of ${NAME}` }),
    );
    const confirm = screen.getByRole('dialog', {
      name: `Restore v1 of ${NAME}?`,
    });
    expect(confirm).toHaveTextContent(
      'The current value (v3) stays in the history',
    );
    // Nothing happens before the confirmation.
    expect(backend.requests.filter(r => r.method === 'POST')).toEqual([]);
    await userEvent.click(
      within(confirm).getByRole('button', { name: 'Restore v1' }),
    );

    await waitFor(() =>
      expect(versionLabels(within(drawer).getByRole('list'))).toEqual([
        'v4',
        'v3',
        'v2',
        'v1',
      ]),
    );
    const [v4] = within(within(drawer).getByRole('list')).getAllByRole(
      'listitem',
    );
    expect(within(v4).getByText('restored from v1')).toBeInTheDocument();
    expect(within(v4).getByText('Current')).toBeInTheDocument();
    expect(
      screen.queryByRole('dialog', { name: `Restore v1 of ${NAME}?` }),
    ).toBeNull();
    await waitFor(() =>
      expect(within(getRow(NAME)).getByText('v4')).toBeInTheDocument(),
    );
    expect(alertApi.getAlerts().map(a => a.message)).toContain(
      `Restored ${NAME}: it is now v4.`,
    );
    expect(
      backend.requests
        .filter(r => r.method === 'POST')
        .map(r => [r.path, r.body]),
    ).toEqual([
      [`/secrets/${NAME}/versions/1/restore`, { expectedVersion: 3 }],
    ]);
  });

  it('cancelling the confirmation restores nothing', async () => {
    serve();
    await renderWithApis(<SecretsView />);
    const { list } = await openHistory();
    await userEvent.click(
      within(list).getByRole('button', { name: `Restore v2 of ${NAME}` }),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() =>
      expect(
        screen.queryByRole('dialog', { name: `Restore v2 of ${NAME}?` }),
      ).toBeNull(),
    );
    expect(backend.requests.filter(r => r.method === 'POST')).toEqual([]);
  });

  it('on a conflict, says so, refreshes, and restores against the new version', async () => {
    serve();
    await renderWithApis(<SecretsView />);
    const { drawer, list } = await openHistory();
    await userEvent.click(
      within(list).getByRole('button', { name: `Restore v1 of ${NAME}` }),
    );
    // Bob saves meanwhile.
    backend.changeBehindTheScenes(NAME, 'user:default/bob');
    const confirm = screen.getByRole('dialog', {
      name: `Restore v1 of ${NAME}?`,
    });
    await userEvent.click(
      within(confirm).getByRole('button', { name: 'Restore v1' }),
    );

    const alert = await within(confirm).findByRole('alert');
    expect(alert).toHaveTextContent(`Someone else changed ${NAME} meanwhile`);
    expect(alert).toHaveTextContent(`${NAME} is at version 4, not 3`);
    expect(alert).toHaveTextContent('Nothing was restored');
    // The drawer and the table now show Bob's version.
    await waitFor(() =>
      expect(
        versionLabels(within(drawer).getByRole('list', { hidden: true })),
      ).toEqual(['v4', 'v3', 'v2', 'v1']),
    );
    await waitFor(() =>
      expect(within(getRow(NAME)).getByText('v4')).toBeInTheDocument(),
    );

    // Deciding again restores against v4.
    await userEvent.click(
      within(confirm).getByRole('button', { name: 'Restore v1' }),
    );
    await waitFor(() =>
      expect(within(getRow(NAME)).getByText('v5')).toBeInTheDocument(),
    );
    expect(
      backend.requests.filter(r => r.method === 'POST').map(r => r.body),
    ).toEqual([{ expectedVersion: 3 }, { expectedVersion: 4 }]);
  });

  it('is not offered where the page cannot write the value', async () => {
    backend = new FakeSecretsBackend([
      fixtures.pinnedByConfig,
      fixtures.orphaned,
      fixtures.perUser,
    ]);
    backend.install(server);
    await renderWithApis(<SecretsView />);
    for (const name of [
      'GITHUB_TOKEN',
      'OLD_JIRA_TOKEN',
      'PERSONAL_GITHUB_TOKEN',
    ]) {
      expect(
        within(await row(name)).queryByRole('button', { name: /History/ }),
      ).toBeNull();
    }
  });

  /** Clears NAME from its row, deleting every version too when `purge`. */
  async function clearFromRow(purge: boolean) {
    await userEvent.click(
      within(await row(NAME)).getByRole('button', { name: `Clear ${NAME}` }),
    );
    const dialog = await screen.findByRole('dialog');
    if (purge) {
      await userEvent.click(
        within(dialog).getByRole('checkbox', {
          name: 'Also delete every earlier version',
        }),
      );
    }
    await userEvent.click(
      within(dialog).getByRole('button', { name: /^Clear / }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  }

  it('a clear keeps the history', async () => {
    serve();
    await renderWithApis(<SecretsView />);
    await clearFromRow(false);
    expect(await screen.findByText(`Cleared ${NAME}.`)).toBeInTheDocument();
    const { list } = await openHistory();
    expect(versionLabels(list)).toEqual(['v3', 'v2', 'v1']);
  });

  it('a clear with every earlier version deletes the history', async () => {
    serve();
    await renderWithApis(<SecretsView />);
    await clearFromRow(true);
    expect(
      await screen.findByText(`Cleared ${NAME} and deleted its history.`),
    ).toBeInTheDocument();
    await userEvent.click(
      within(await row(NAME)).getByRole('button', {
        name: `History of ${NAME}`,
      }),
    );
    expect(
      await screen.findByText(`No stored versions of ${NAME}.`),
    ).toBeInTheDocument();
    expect(backend.requests.filter(r => r.method === 'DELETE')).toEqual([
      {
        method: 'DELETE',
        path: `/secrets/${NAME}`,
        query: '?purge=true&expectedVersion=3',
      },
    ]);
  });

  it('once the value is cleared, Delete history deletes every version, behind a confirmation', async () => {
    serve();
    await renderWithApis(<SecretsView />);
    // Not offered while a value is stored: Clear does it then.
    const stored = await openHistory();
    expect(
      within(stored.drawer).queryByRole('button', {
        name: `Delete the history of ${NAME}`,
      }),
    ).toBeNull();
    await userEvent.click(
      screen.getByRole('button', { name: 'Close history' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    await clearFromRow(false);
    // The list is fetched again: the row now offers Set.
    await screen.findByText(`Cleared ${NAME}.`);
    await within(await row(NAME)).findByRole('button', { name: `Set ${NAME}` });
    const { drawer } = await openHistory();
    await userEvent.click(
      within(drawer).getByRole('button', {
        name: `Delete the history of ${NAME}`,
      }),
    );
    const confirm = screen.getByRole('dialog', {
      name: `Delete the history of ${NAME}?`,
    });
    expect(confirm).toHaveTextContent(
      `This deletes the 3 kept versions of ${NAME}: none of them can be restored afterwards.`,
    );
    await userEvent.click(
      within(confirm).getByRole('button', { name: 'Delete every version' }),
    );

    expect(
      await screen.findByText(`No stored versions of ${NAME}.`),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(`Deleted every version of ${NAME}.`),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: `Delete the history of ${NAME}` }),
    ).toBeNull();
    expect(
      backend.requests
        .filter(r => r.method === 'DELETE')
        .map(r => `${r.path}${r.query ?? ''}`),
    ).toEqual([
      `/secrets/${NAME}?expectedVersion=3`,
      // The value is cleared: the drawer expects none.
      `/secrets/${NAME}?purge=true&expectedVersion=0`,
    ]);
  });

  it('says when there is no stored version, and closes', async () => {
    backend = new FakeSecretsBackend([fixtures.missing]);
    backend.install(server);
    await renderWithApis(<SecretsView />);
    await userEvent.click(
      within(await row('PAGERDUTY_API_TOKEN')).getByRole('button', {
        name: 'History of PAGERDUTY_API_TOKEN',
      }),
    );
    expect(
      await screen.findByText('No stored versions of PAGERDUTY_API_TOKEN.'),
    ).toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('button', { name: 'Close history' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });
});
