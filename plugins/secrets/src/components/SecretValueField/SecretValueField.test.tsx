import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { SecretValueField } from './SecretValueField';

function renderField(format: 'text' | 'json') {
  render(
    <SecretValueField
      name="API_KEY"
      format={format}
      value="typed"
      onChange={() => {}}
    />,
  );
  return screen.getByLabelText('New value of API_KEY');
}

/** "new-password": browsers neither fill a saved password in nor offer to save this one. */
function expectKeptFromManagers(input: HTMLElement) {
  expect(input).toHaveAttribute('autocomplete', 'new-password');
  expect(input).toHaveAttribute('spellcheck', 'false');
  expect(input).toHaveAttribute('autocapitalize', 'off');
}

describe('SecretValueField', () => {
  it('keeps a text value masked and away from password managers and spell checkers, also when shown', async () => {
    const input = renderField('text');
    expect(input).toHaveAttribute('type', 'password');
    expectKeptFromManagers(input);
    await userEvent.click(screen.getByRole('button', { name: 'Show value' }));
    expect(screen.getByLabelText('New value of API_KEY')).toHaveAttribute(
      'type',
      'text',
    );
    expectKeptFromManagers(screen.getByLabelText('New value of API_KEY'));
  });

  it('keeps a JSON value masked and away from password managers and spell checkers', () => {
    const input = renderField('json');
    // A textarea cannot be a password field: a style masks it.
    expect(input.tagName).toBe('TEXTAREA');
    expect(input.className).toMatch(/masked/);
    expectKeptFromManagers(input);
  });
});
