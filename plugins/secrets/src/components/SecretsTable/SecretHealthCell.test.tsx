import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { setupServer } from 'msw/node';
import { FakeSecretsBackend } from '../../__testUtils__/fakeSecretsBackend';
import { fixtures } from '../../__testUtils__/fixtures';
import { renderWithApis } from '../../__testUtils__/renderSecretsView';
import { formatDay } from '../../lib/attention';
import { SecretsView } from '../SecretsPage/SecretsView';
import { row } from '../../__testUtils__/rows';

const server = setupServer();
registerMswTestHooks(server);

const DAY = 24 * 60 * 60 * 1000;
const daysFromNow = (days: number) =>
  new Date(Date.now() + days * DAY).toISOString();

function serve(secrets: SecretSummary[]) {
  new FakeSecretsBackend(secrets).install(server);
}

const secret = (name: string, overrides: Partial<SecretSummary>) => ({
  ...fixtures.set,
  name,
  description: undefined,
  obtainUrl: undefined,
  ...overrides,
});

function rowNames(): string[] {
  return screen
    .getAllByRole('row')
    .slice(1)
    .map(
      r => r.querySelector('[data-testid="secret-name"]')?.textContent ?? '',
    );
}

describe('the health column', () => {
  it('shows when to rotate, with overdue and due-soon badges', async () => {
    const overdueBy = daysFromNow(-2);
    const soonBy = daysFromNow(3);
    const laterBy = daysFromNow(60);
    serve([
      secret('OVERDUE_TOKEN', { rotateBy: overdueBy, rotateEvery: 'P90D' }),
      secret('SOON_TOKEN', { rotateBy: soonBy }),
      secret('LATER_TOKEN', { rotateBy: laterBy }),
      secret('NO_SCHEDULE_TOKEN', {}),
    ]);
    await renderWithApis(<SecretsView />);

    const overdue = await row('OVERDUE_TOKEN');
    expect(overdue).toHaveTextContent(`Rotate by ${formatDay(overdueBy)}`);
    expect(within(overdue).getByText('Overdue')).toBeInTheDocument();
    expect(within(overdue).queryByText('Due soon')).toBeNull();

    const soon = await row('SOON_TOKEN');
    expect(soon).toHaveTextContent(`Rotate by ${formatDay(soonBy)}`);
    expect(within(soon).getByText('Due soon')).toBeInTheDocument();
    expect(within(soon).queryByText('Overdue')).toBeNull();

    const later = await row('LATER_TOKEN');
    expect(later).toHaveTextContent(`Rotate by ${formatDay(laterBy)}`);
    expect(within(later).queryByText(/Overdue|Due soon/)).toBeNull();

    const none = await row('NO_SCHEDULE_TOKEN');
    expect(within(none).queryByText(/Rotate by/)).toBeNull();

    // The search finds them by their badge.
    await userEvent.type(
      screen.getByPlaceholderText('Search secrets'),
      'overdue',
    );
    await waitFor(() => expect(rowNames()).toEqual(['OVERDUE_TOKEN']));
  });

  it('asks whether an unused secret is still needed', async () => {
    serve([
      secret('STALE_TOKEN', {
        unused: true,
        lastUsedAt: new Date(Date.now() - 97 * DAY - 3600_000).toISOString(),
      }),
      secret('NEVER_READ_TOKEN', {
        unused: true,
        lastUsedAt: undefined,
        lastUsedBy: undefined,
        updatedAt: new Date(Date.now() - 120 * DAY).toISOString(),
      }),
      secret('BUSY_TOKEN', { unused: false, lastUsedAt: daysFromNow(-1) }),
    ]);
    await renderWithApis(<SecretsView />);

    expect(
      within(await row('STALE_TOKEN')).getByText(
        /not used for 97 days — still needed\?/,
      ),
    ).toBeInTheDocument();
    expect(
      within(await row('NEVER_READ_TOKEN')).getByText(
        /not used for 120 days — still needed\?/,
      ),
    ).toBeInTheDocument();
    expect(
      within(await row('BUSY_TOKEN')).queryByText(/still needed/),
    ).toBeNull();
  });

  it('shows the outcome of the last check from the list', async () => {
    serve([
      secret('GOOD_TOKEN', {
        checkable: true,
        lastCheckedAt: daysFromNow(-1),
        lastCheckOk: true,
      }),
      secret('BAD_TOKEN', {
        checkable: true,
        lastCheckedAt: daysFromNow(-2),
        lastCheckOk: false,
      }),
      secret('UNCHECKED_TOKEN', { checkable: true }),
      secret('UNCHECKABLE_TOKEN', {}),
    ]);
    await renderWithApis(<SecretsView />);

    const good = within(await row('GOOD_TOKEN'));
    expect(good.getByText('Check passed')).toBeInTheDocument();
    expect(good.getByText('yesterday')).toBeInTheDocument();

    const bad = within(await row('BAD_TOKEN'));
    expect(bad.getByText('Check failed')).toBeInTheDocument();
    expect(bad.getByText('2 days ago')).toBeInTheDocument();
    expect(
      bad.getByText("Test again to see the provider's message."),
    ).toBeInTheDocument();

    expect(
      within(await row('UNCHECKED_TOKEN')).getByText('Not checked yet'),
    ).toBeInTheDocument();
    const uncheckable = within(await row('UNCHECKABLE_TOKEN'));
    expect(
      uncheckable.queryByText(/Check passed|Check failed|Not checked/),
    ).toBeNull();
    expect(uncheckable.queryByRole('button', { name: /Test/ })).toBeNull();
  });
});
