import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { FakeSecretsBackend } from '../../__testUtils__/fakeSecretsBackend';
import { fixtures } from '../../__testUtils__/fixtures';
import { renderWithApis } from '../../__testUtils__/renderSecretsView';
import { ClearSecretDialog } from './ClearSecretDialog';

const server = setupServer();
registerMswTestHooks(server);

async function renderDialog() {
  const backend = new FakeSecretsBackend([fixtures.set]);
  backend.install(server);
  const handlers = { onClose: jest.fn(), onCleared: jest.fn() };
  await renderWithApis(
    <ClearSecretDialog secret={fixtures.set} {...handlers} />,
  );
  await screen.findByRole('dialog');
  return { backend, handlers };
}

describe('ClearSecretDialog', () => {
  it('names the secret and deletes it only when confirmed', async () => {
    const { backend, handlers } = await renderDialog();
    expect(
      screen.getByRole('heading', { name: 'Clear OPENAI_API_KEY?' }),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/This deletes the stored value of/),
    ).toHaveTextContent('OPENAI_API_KEY (v3)');
    expect(backend.requests).toEqual([]);

    await userEvent.click(
      screen.getByRole('button', { name: 'Clear OPENAI_API_KEY' }),
    );
    await waitFor(() => expect(handlers.onCleared).toHaveBeenCalledTimes(1));
    expect(handlers.onCleared).toHaveBeenCalledWith({ purged: false });
    expect(backend.requests).toEqual([
      {
        method: 'DELETE',
        path: '/secrets/OPENAI_API_KEY',
        query: '?expectedVersion=3',
      },
    ]);
  });

  it('keeps the history unless asked to delete every version too', async () => {
    const { backend, handlers } = await renderDialog();
    expect(
      screen.getByText(/Its versions stay in the history/),
    ).toBeInTheDocument();
    const purge = screen.getByRole('checkbox', {
      name: 'Also delete every earlier version',
    });
    expect(purge).not.toBeChecked();
    expect(purge).toHaveAccessibleDescription(
      /nothing of OPENAI_API_KEY can be restored afterwards/,
    );

    await userEvent.click(purge);
    // The dialog now says what confirming does.
    expect(
      screen.getByRole('heading', {
        name: 'Clear OPENAI_API_KEY and its history?',
      }),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/This deletes the stored value of/),
    ).toHaveTextContent('OPENAI_API_KEY (v3) and all its versions.');
    expect(
      screen.queryByText(/Its versions stay in the history/),
    ).not.toBeInTheDocument();
    expect(backend.requests).toEqual([]);

    await userEvent.click(
      screen.getByRole('button', {
        name: 'Clear OPENAI_API_KEY and its history',
      }),
    );
    await waitFor(() => expect(handlers.onCleared).toHaveBeenCalledTimes(1));
    expect(handlers.onCleared).toHaveBeenCalledWith({ purged: true });
    expect(backend.requests).toEqual([
      {
        method: 'DELETE',
        path: '/secrets/OPENAI_API_KEY',
        query: '?purge=true&expectedVersion=3',
      },
    ]);
  });

  it('does nothing on cancel', async () => {
    const { backend, handlers } = await renderDialog();
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(handlers.onClose).toHaveBeenCalledTimes(1);
    expect(backend.requests).toEqual([]);
  });

  it('shows the backend error and stays open', async () => {
    const { backend, handlers } = await renderDialog();
    backend.failNextDelete = {
      status: 403,
      name: 'NotAllowedError',
      message: 'You are not allowed to manage secrets',
    };
    await userEvent.click(
      screen.getByRole('button', { name: 'Clear OPENAI_API_KEY' }),
    );
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'OPENAI_API_KEY was not cleared: You are not allowed to manage secrets',
    );
    expect(handlers.onCleared).not.toHaveBeenCalled();
    expect(screen.getByRole('dialog')).toBeInTheDocument();
  });

  it('clears nothing from a stale page: a value changed since stays, and the dialog says so', async () => {
    const backend = new FakeSecretsBackend([{ ...fixtures.set, version: 4 }]);
    backend.install(server);
    const handlers = { onClose: jest.fn(), onCleared: jest.fn() };
    // The page still shows version 3.
    await renderWithApis(
      <ClearSecretDialog secret={fixtures.set} {...handlers} />,
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Clear OPENAI_API_KEY' }),
    );
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'OPENAI_API_KEY was not cleared: Secret OPENAI_API_KEY was changed by someone else: it is now at version 4, you expected version 3.',
    );
    expect(handlers.onCleared).not.toHaveBeenCalled();
  });
});
