import { registerMswTestHooks } from '@backstage/frontend-test-utils';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { setupServer } from 'msw/node';
import { FakeSecretsBackend } from '../../__testUtils__/fakeSecretsBackend';
import { fixtures } from '../../__testUtils__/fixtures';
import { renderWithApis } from '../../__testUtils__/renderSecretsView';
import { SetSecretDialog } from './SetSecretDialog';

const server = setupServer();
registerMswTestHooks(server);

const CANARY = 'sk-canary-0123456789';

async function renderDialog(secret: SecretSummary) {
  const backend = new FakeSecretsBackend([secret]);
  backend.install(server);
  const handlers = {
    onClose: jest.fn(),
    onSaved: jest.fn(),
    onConflict: jest.fn(),
  };
  await renderWithApis(<SetSecretDialog secret={secret} {...handlers} />);
  const input = await screen.findByLabelText(`New value of ${secret.name}`);
  return { backend, handlers, input };
}

const save = () =>
  userEvent.click(screen.getByRole('button', { name: 'Save' }));

describe('SetSecretDialog', () => {
  it('masks the value, with a toggle to show it', async () => {
    const { input } = await renderDialog(fixtures.missing);
    expect(input).toHaveAttribute('type', 'password');
    await userEvent.type(input, CANARY);
    await userEvent.click(screen.getByRole('button', { name: 'Show value' }));
    expect(input).toHaveAttribute('type', 'text');
    expect(input).toHaveValue(CANARY);
    await userEvent.click(screen.getByRole('button', { name: 'Hide value' }));
    expect(input).toHaveAttribute('type', 'password');
  });

  it('says that the current value cannot be shown when replacing', async () => {
    await renderDialog(fixtures.set);
    expect(
      screen.getByRole('heading', { name: 'Replace OPENAI_API_KEY' }),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/The current value \(v3\) cannot be shown/),
    ).toBeInTheDocument();
  });

  it('sends the value with the version it saw and reports the saved one', async () => {
    const { backend, handlers, input } = await renderDialog(fixtures.set);
    await userEvent.type(input, CANARY);
    await save();
    await waitFor(() => expect(handlers.onSaved).toHaveBeenCalledTimes(1));
    expect(handlers.onSaved.mock.calls[0][0]).toMatchObject({
      name: 'OPENAI_API_KEY',
      version: 4,
    });
    expect(backend.requests).toEqual([
      {
        method: 'PUT',
        path: '/secrets/OPENAI_API_KEY',
        body: { value: CANARY, expectedVersion: 3 },
      },
    ]);
  });

  it('expects version 0 when there was no stored value', async () => {
    const { backend, handlers, input } = await renderDialog(fixtures.missing);
    expect(
      screen.getByRole('heading', { name: 'Set PAGERDUTY_API_TOKEN' }),
    ).toBeInTheDocument();
    await userEvent.type(input, CANARY);
    await save();
    await waitFor(() => expect(handlers.onSaved).toHaveBeenCalled());
    expect(backend.requests[0].body).toEqual({
      value: CANARY,
      expectedVersion: 0,
    });
  });

  it('reports a conflict clearly and keeps what was typed', async () => {
    const { backend, handlers, input } = await renderDialog(fixtures.set);
    backend.changeBehindTheScenes('OPENAI_API_KEY', 'user:default/bob');
    await userEvent.type(input, CANARY);
    await save();

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(
      'Someone else changed OPENAI_API_KEY while you were editing',
    );
    expect(alert).toHaveTextContent('OPENAI_API_KEY is at version 4, not 3');
    expect(alert).toHaveTextContent('Your value was not saved');
    expect(handlers.onConflict).toHaveBeenCalledTimes(1);
    expect(handlers.onSaved).not.toHaveBeenCalled();
    expect(handlers.onClose).not.toHaveBeenCalled();
    expect(input).toHaveValue(CANARY);
    // The error text never echoes the value.
    expect(alert).not.toHaveTextContent(CANARY);
  });

  it.each([
    [400, 'InputError', 'Value must be valid JSON'],
    [403, 'NotAllowedError', 'You are not allowed to manage secrets'],
    [413, 'PayloadTooLargeError', 'request entity too large'],
  ])(
    'shows a %i from the backend and keeps the input',
    async (status, name, message) => {
      const { backend, handlers, input } = await renderDialog(fixtures.set);
      backend.failNextPut = { status, name, message };
      await userEvent.type(input, CANARY);
      await save();
      expect(await screen.findByRole('alert')).toHaveTextContent(
        `OPENAI_API_KEY was not saved: ${message}`,
      );
      expect(input).toHaveValue(CANARY);
      expect(handlers.onConflict).not.toHaveBeenCalled();
      expect(handlers.onClose).not.toHaveBeenCalled();
    },
  );

  it("shows the provider's message when the check fails, and saves without it on request", async () => {
    const { backend, handlers, input } = await renderDialog(fixtures.set);
    backend.provider.set('OPENAI_API_KEY', () => 'Incorrect API key provided');
    await userEvent.type(input, CANARY);
    // No second way to save before a check failed.
    expect(
      screen.queryByRole('button', { name: 'Save without check' }),
    ).toBeNull();
    await save();

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The check of OPENAI_API_KEY failed');
    expect(alert).toHaveTextContent('Incorrect API key provided');
    expect(alert).toHaveTextContent('Nothing was saved');
    expect(alert).not.toHaveTextContent(CANARY);
    expect(input).toHaveValue(CANARY);
    expect(handlers.onSaved).not.toHaveBeenCalled();
    expect(handlers.onConflict).not.toHaveBeenCalled();

    await userEvent.click(
      screen.getByRole('button', { name: 'Save without check' }),
    );
    await waitFor(() => expect(handlers.onSaved).toHaveBeenCalledTimes(1));
    expect(handlers.onSaved.mock.calls[0][0]).toMatchObject({ version: 4 });
    expect(backend.requests.map(r => r.body)).toEqual([
      { value: CANARY, expectedVersion: 3 },
      { value: CANARY, expectedVersion: 3, skipValidation: true },
    ]);
  });

  it('after a failed check, a corrected value saves with the check', async () => {
    const { backend, handlers, input } = await renderDialog(fixtures.set);
    backend.provider.set('OPENAI_API_KEY', value =>
      value.startsWith('sk-') ? undefined : 'Incorrect API key provided',
    );
    await userEvent.type(input, 'typo');
    await save();
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Incorrect API key provided',
    );
    await userEvent.clear(input);
    await userEvent.type(input, CANARY);
    await save();
    await waitFor(() => expect(handlers.onSaved).toHaveBeenCalledTimes(1));
    expect(backend.requests.map(r => r.body)).toEqual([
      { value: 'typo', expectedVersion: 3 },
      { value: CANARY, expectedVersion: 3 },
    ]);
  });

  it('validates JSON before sending it, in a multi-line field', async () => {
    const { backend, handlers, input } = await renderDialog(fixtures.json);
    expect(input.tagName).toBe('TEXTAREA');
    // Typed character by character; braces are userEvent syntax, so paste.
    await userEvent.click(input);
    await userEvent.paste('{"type": "service_account",\n"private_key": "abc');
    await save();
    expect(
      await screen.findByText(/this is not valid JSON/),
    ).toBeInTheDocument();
    expect(backend.requests).toEqual([]);

    await userEvent.click(input);
    await userEvent.paste('"}');
    // Editing clears the complaint.
    expect(
      screen.queryByText(/this is not valid JSON/),
    ).not.toBeInTheDocument();
    await save();
    await waitFor(() => expect(handlers.onSaved).toHaveBeenCalled());
    expect(backend.requests).toHaveLength(1);
    expect(backend.requests[0].body).toEqual({
      value: '{"type": "service_account",\n"private_key": "abc"}',
      expectedVersion: 0,
    });
  });

  it('masks the multi-line JSON field until shown', async () => {
    const { input } = await renderDialog(fixtures.json);
    const maskedClass = input.className;
    await userEvent.click(screen.getByRole('button', { name: 'Show value' }));
    expect(input.className).not.toBe(maskedClass);
    await userEvent.click(screen.getByRole('button', { name: 'Hide value' }));
    expect(input.className).toBe(maskedClass);
  });

  it('cannot save an empty value', async () => {
    await renderDialog(fixtures.missing);
    expect(screen.getByRole('button', { name: 'Save' })).toBeDisabled();
  });

  it('closes on cancel without sending anything', async () => {
    const { backend, handlers, input } = await renderDialog(fixtures.set);
    await userEvent.type(input, CANARY);
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(handlers.onClose).toHaveBeenCalledTimes(1);
    expect(backend.requests).toEqual([]);
  });
});
