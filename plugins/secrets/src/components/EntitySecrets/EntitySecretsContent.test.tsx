import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import type { EntitySecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import { BACKEND_URL } from '../../__testUtils__/fakeSecretsBackend';
import { renderWithApis } from '../../__testUtils__/renderSecretsView';
import { EntitySecretsContent } from './EntitySecretsContent';

const server = setupServer();
registerMswTestHooks(server);

const ENTITY = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments', namespace: 'default' },
  spec: { owner: 'group:default/developers' },
};
const BASE = `${BACKEND_URL}/api/secrets/entities/component/default/payments/secrets`;

/** A stand-in for the backend's entity routes, recording what was sent. */
function installBackend(items: EntitySecretSummary[]) {
  const sent: Array<{ method: string; path: string; body?: unknown }> = [];
  server.use(
    rest.get(BASE, (_req, res, ctx) => res(ctx.json({ items }))),
    rest.put(`${BASE}/:name`, async (req, res, ctx) => {
      const body = await req.json();
      sent.push({ method: 'PUT', path: req.url.pathname, body });
      const name = String(req.params.name);
      const index = items.findIndex(item => item.name === name);
      items[index] = {
        ...items[index],
        source: 'entity',
        version: (items[index].version ?? 0) + 1,
        updatedBy: 'user:default/bob',
        updatedAt: new Date().toISOString(),
      };
      return res(ctx.json(items[index]));
    }),
    rest.delete(`${BASE}/:name`, (req, res, ctx) => {
      sent.push({ method: 'DELETE', path: req.url.pathname });
      return res(ctx.status(204));
    }),
  );
  return sent;
}

const row = (name: string) =>
  within(screen.getByTestId(`entity-secret-${name}`));

describe('EntitySecretsContent (the entity "Secrets" tab)', () => {
  it('shows each secret with its status and, for owners, sets a value through a masked field', async () => {
    const sent = installBackend([
      {
        name: 'SENTRY_DSN',
        description: 'The Sentry DSN',
        format: 'text',
        entityRef: 'component:default/payments',
        source: 'unset',
        canManage: true,
      },
      {
        name: 'JIRA_TOKEN',
        format: 'text',
        entityRef: 'component:default/payments',
        source: 'default',
        canManage: true,
      },
    ]);
    await renderWithApis(
      <EntityProvider entity={ENTITY}>
        <EntitySecretsContent />
      </EntityProvider>,
    );
    await screen.findByTestId('entity-secret-SENTRY_DSN');
    expect(row('SENTRY_DSN').getByText('Not set')).toBeInTheDocument();
    expect(row('JIRA_TOKEN').getByText('Default')).toBeInTheDocument();

    await userEvent.click(
      row('SENTRY_DSN').getByRole('button', { name: 'Set' }),
    );
    const input = screen.getByLabelText('New value of SENTRY_DSN');
    expect(input).toHaveAttribute('type', 'password');
    await userEvent.type(input, 'https://test-only@sentry.example/1');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(sent).toEqual([
      {
        method: 'PUT',
        path: '/api/secrets/entities/component/default/payments/secrets/SENTRY_DSN',
        body: {
          value: 'https://test-only@sentry.example/1',
          expectedVersion: 0,
        },
      },
    ]);
    // The value itself is never shown.
    expect(screen.queryByText(/test-only@sentry/)).not.toBeInTheDocument();
  });

  it('offers no Set, Replace or Clear to those who may not manage the entity', async () => {
    installBackend([
      {
        name: 'SENTRY_DSN',
        format: 'text',
        entityRef: 'component:default/payments',
        source: 'entity',
        version: 2,
        updatedBy: 'user:default/bob',
        canManage: false,
      },
    ]);
    await renderWithApis(
      <EntityProvider entity={ENTITY}>
        <EntitySecretsContent />
      </EntityProvider>,
    );
    await screen.findByTestId('entity-secret-SENTRY_DSN');
    expect(row('SENTRY_DSN').getByText('Set here')).toBeInTheDocument();
    expect(row('SENTRY_DSN').queryByRole('button')).toBeNull();
    expect(
      screen.getByText(/Only the owners of component:default\/payments/),
    ).toBeInTheDocument();
  });
});
