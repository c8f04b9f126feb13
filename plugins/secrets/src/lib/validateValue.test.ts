import { SECRET_VALUE_MAX_BYTES } from '@backstage-secrets/plugin-secrets-common';
import { validateSecretValue } from './validateValue';

describe('validateSecretValue', () => {
  it('accepts any non-empty text for text secrets', () => {
    expect(validateSecretValue('sk-abc {not json', 'text')).toBeUndefined();
  });

  it('rejects an empty value', () => {
    expect(validateSecretValue('', 'text')).toBe('Enter a value.');
  });

  it('accepts valid JSON for json secrets', () => {
    expect(
      validateSecretValue('{\n  "type": "service_account"\n}', 'json'),
    ).toBeUndefined();
  });

  it('rejects invalid JSON without quoting the value', () => {
    const problem = validateSecretValue('{"private_key": "hunter2', 'json');
    expect(problem).toMatch(/not valid JSON/);
    expect(problem).not.toContain('hunter2');
  });

  it('rejects values over the size limit, counting UTF-8 bytes', () => {
    // 'é' is two bytes in UTF-8: half the limit in characters is too much.
    const value = 'é'.repeat(SECRET_VALUE_MAX_BYTES / 2 + 1);
    expect(validateSecretValue(value, 'text')).toMatch(/limit is 65,536 bytes/);
    expect(
      validateSecretValue('a'.repeat(SECRET_VALUE_MAX_BYTES), 'text'),
    ).toBeUndefined();
  });
});
