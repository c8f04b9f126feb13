import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { SecretValueField } from './SecretValueField';

describe('SecretValueField', () => {
  it.each(['text', 'json'] as const)(
    'keeps a %s value away from password managers, autofill and spell checkers',
    async format => {
      render(
        <SecretValueField
          name="API_KEY"
          format={format}
          value="typed"
          onChange={() => {}}
        />,
      );
      const input = screen.getByLabelText('New value of API_KEY');
      // "new-password": browsers neither fill a saved password in nor offer
      // to save this one.
      expect(input).toHaveAttribute('autocomplete', 'new-password');
      expect(input).toHaveAttribute('spellcheck', 'false');
      expect(input).toHaveAttribute('autocapitalize', 'off');
      if (format === 'text') {
        expect(input).toHaveAttribute('type', 'password');
        await userEvent.click(screen.getByRole('button', { name: /show/i }));
        expect(screen.getByLabelText('New value of API_KEY')).toHaveAttribute(
          'autocomplete',
          'new-password',
        );
      }
    },
  );
});
