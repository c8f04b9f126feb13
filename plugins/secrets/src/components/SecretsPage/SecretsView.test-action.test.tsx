import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import {
  BACKEND_URL,
  FakeSecretsBackend,
} from '../../__testUtils__/fakeSecretsBackend';
import { fixtures } from '../../__testUtils__/fixtures';
import { renderWithApis } from '../../__testUtils__/renderSecretsView';
import { SecretsView } from './SecretsView';
import { getRow, row } from '../../__testUtils__/rows';

const server = setupServer();
registerMswTestHooks(server);

const NAME = 'OPENAI_API_KEY';
let backend: FakeSecretsBackend;

function serve(overrides: Partial<SecretSummary> = {}) {
  backend = new FakeSecretsBackend([
    { ...fixtures.set, version: undefined, checkable: true, ...overrides },
  ]);
  backend.seedVersions(NAME, ['user:default/alice']);
  backend.install(server);
}

const testButton = async () =>
  within(await row(NAME)).getByRole('button', { name: `Test ${NAME}` });

describe('Test', () => {
  it("shows the provider's message when the stored value fails the check", async () => {
    serve();
    backend.provider.set(NAME, () => '401 Unauthorized: key revoked');
    const { alertApi } = await renderWithApis(<SecretsView />);
    expect(within(await row(NAME)).getByText('Not checked yet')).toBeVisible();

    await userEvent.click(await testButton());

    await waitFor(() =>
      expect(
        within(getRow(NAME)).getByText('401 Unauthorized: key revoked'),
      ).toBeInTheDocument(),
    );
    const cell = within(getRow(NAME)).getByRole('group', {
      name: `Last check of ${NAME}`,
    });
    expect(within(cell).getByText('Check failed')).toBeInTheDocument();
    expect(within(cell).getByText('just now')).toBeInTheDocument();
    expect(alertApi.getAlerts().map(a => a.message)).toContain(
      `The check of ${NAME} failed: 401 Unauthorized: key revoked`,
    );
    // The check runs on the server's copy: the page sends no value.
    const check = backend.requests.find(r => r.path.endsWith('/check'));
    expect(check).toEqual({
      method: 'POST',
      path: `/secrets/${NAME}/check`,
    });
    // The list was fetched again, for lastCheckedAt / lastCheckOk.
    await waitFor(() =>
      expect(
        backend.requests.filter(
          r => r.method === 'GET' && r.path === '/secrets',
        ),
      ).toHaveLength(2),
    );
    // The message stays after the refresh.
    expect(
      within(getRow(NAME)).getByText('401 Unauthorized: key revoked'),
    ).toBeInTheDocument();
  });

  it('shows a passed check', async () => {
    serve({ lastCheckedAt: '2025-01-01T00:00:00Z', lastCheckOk: false });
    await renderWithApis(<SecretsView />);
    expect(
      within(await row(NAME)).getByText('Check failed'),
    ).toBeInTheDocument();
    await userEvent.click(await testButton());
    await waitFor(() =>
      expect(
        within(getRow(NAME)).getByText('Check passed'),
      ).toBeInTheDocument(),
    );
    expect(within(getRow(NAME)).queryByText('Check failed')).toBeNull();
  });

  it('says so when the check cannot run', async () => {
    serve();
    server.use(
      rest.post(
        `${BACKEND_URL}/api/secrets/secrets/${NAME}/check`,
        (_req, res, ctx) =>
          res(
            ctx.status(503),
            ctx.json({
              error: { name: 'ServiceUnavailableError', message: 'Try later' },
              response: { statusCode: 503 },
            }),
          ),
      ),
    );
    const { alertApi } = await renderWithApis(<SecretsView />);
    await userEvent.click(await testButton());
    await waitFor(() =>
      expect(alertApi.getAlerts().map(a => a.message)).toContain(
        `Could not test ${NAME}: Try later`,
      ),
    );
    expect(await testButton()).toBeEnabled();
  });

  it('is offered only for checkable secrets with a value', async () => {
    backend = new FakeSecretsBackend([
      { ...fixtures.set, checkable: false },
      { ...fixtures.missing, checkable: true },
      { ...fixtures.pinnedByConfig, checkable: true },
    ]);
    backend.install(server);
    await renderWithApis(<SecretsView />);
    expect(
      within(await row(NAME)).queryByRole('button', { name: /^Test/ }),
    ).toBeNull();
    expect(
      within(await row('PAGERDUTY_API_TOKEN')).queryByRole('button', {
        name: /^Test/,
      }),
    ).toBeNull();
    // A pinned value is what reads get: it can be tested.
    expect(
      within(await row('GITHUB_TOKEN')).getByRole('button', {
        name: 'Test GITHUB_TOKEN',
      }),
    ).toBeInTheDocument();
  });
});
