import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { FakeSecretsBackend } from '../../__testUtils__/fakeSecretsBackend';
import { fixtures } from '../../__testUtils__/fixtures';
import { renderWithApis } from '../../__testUtils__/renderSecretsView';
import { SecretsView } from './SecretsView';
import { getRow, row } from '../../__testUtils__/rows';

const server = setupServer();
registerMswTestHooks(server);

const NAME = 'OPENAI_API_KEY';
const TYPED = 'typed-canary-7f3a9c';

describe('what travels over the network', () => {
  it('carries no value back to the page, and only the typed one out, in the PUT', async () => {
    const backend = new FakeSecretsBackend([
      { ...fixtures.set, version: undefined, checkable: true },
    ]);
    // Two earlier versions whose values only the "server" knows.
    backend.seedVersions(NAME, ['user:default/bob', 'user:default/alice']);
    backend.provider.set(NAME, value =>
      value.startsWith('sk-') ? undefined : 'Incorrect API key provided',
    );
    backend.install(server);
    const { network } = await renderWithApis(<SecretsView />);

    // Replace: the check fails, the admin saves anyway.
    await userEvent.click(
      within(await row(NAME)).getByRole('button', { name: `Replace ${NAME}` }),
    );
    await userEvent.type(screen.getByLabelText(`New value of ${NAME}`), TYPED);
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await userEvent.click(
      await screen.findByRole('button', { name: 'Save without check' }),
    );
    await waitFor(() =>
      expect(within(getRow(NAME)).getByText('v3')).toBeInTheDocument(),
    );

    // Test the stored value; it fails with the provider's message.
    await userEvent.click(
      within(getRow(NAME)).getByRole('button', { name: `Test ${NAME}` }),
    );
    await waitFor(() =>
      expect(
        within(getRow(NAME)).getByText('Incorrect API key provided'),
      ).toBeInTheDocument(),
    );

    // Restore v1 from the history.
    await userEvent.click(
      within(getRow(NAME)).getByRole('button', { name: `History of ${NAME}` }),
    );
    await userEvent.click(
      await screen.findByRole('button', { name: `Restore v1 of ${NAME}` }),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Restore v1' }));
    await waitFor(() =>
      expect(within(getRow(NAME)).getByText('v4')).toBeInTheDocument(),
    );

    const calls = network.requests.map(
      r => `${r.method} ${new URL(r.url).pathname.replace('/api/secrets', '')}`,
    );

    // Out: the typed value only in the PUTs, as their value, and nowhere else.
    const values = [TYPED, ...backend.storedValues()];
    expect(backend.storedValues()).toContain(`${NAME}-server-v1`);
    const puts = network.requests.filter(r => r.method === 'PUT');
    expect(puts.map(r => JSON.parse(r.body ?? '{}').value)).toEqual([
      TYPED,
      TYPED,
    ]);
    for (const request of network.requests.filter(r => r.method !== 'PUT')) {
      for (const value of values) {
        expect(request.url).not.toContain(value);
        expect(request.body ?? '').not.toContain(value);
      }
    }

    // Back: no response ever held a value, neither the typed one nor the
    // server's, not even in an error. The fake serves every stored value on
    // the value route, so a page that asked for one would fail here; and
    // none is ever displayed.
    expect(network.responses.length).toBe(network.requests.length);
    for (const response of network.responses) {
      for (const value of values) {
        expect(response.body).not.toContain(value);
      }
    }
    for (const value of values) {
      expect(document.body.innerHTML).not.toContain(value);
    }
    expect(calls.some(call => call.endsWith('/value'))).toBe(false);

    // Every kind of call happened.
    expect(new Set(calls)).toEqual(
      new Set([
        'GET /secrets',
        `PUT /secrets/${NAME}`,
        `POST /secrets/${NAME}/check`,
        `GET /secrets/${NAME}/versions`,
        `POST /secrets/${NAME}/versions/1/restore`,
      ]),
    );
  });
});
