import type { SecretFormat } from '@backstage-secrets/plugin-secrets-common';
import { useState } from 'react';
import { validateSecretValue } from '../lib/validateValue';

/**
 * The state of a value being typed into a `SecretValueField`: the value and
 * why it is not acceptable (shown until the next keystroke).
 */
export function useValueInput() {
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string>();
  return {
    value,
    /** Spread into `SecretValueField`. */
    field: {
      value,
      problem,
      onChange: (newValue: string) => {
        setValue(newValue);
        setProblem(undefined);
      },
    },
    /** Checks the value, shows why it is not acceptable; true when it is. */
    validate: (format: SecretFormat): boolean => {
      const invalid = validateSecretValue(value, format);
      setProblem(invalid);
      return !invalid;
    },
    reset: () => setValue(''),
  };
}
