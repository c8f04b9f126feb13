import { isValidSecretName, secretEnvironmentVariable } from './names';
import { manageSecretsPermission } from './permissions';

describe('secret names', () => {
  it.each(['A', 'OPENAI_API_KEY', 'K8S_TOKEN_2', `A${'B'.repeat(127)}`])(
    'accepts %s',
    name => expect(isValidSecretName(name)).toBe(true),
  );

  it.each([
    '',
    'lower',
    '_LEADING',
    '1DIGIT',
    'WITH-DASH',
    'WITH SPACE',
    '../ETC',
    '__proto__',
    `A${'B'.repeat(128)}`,
    'ÄPFEL',
    undefined,
    42,
  ])('refuses %p', name => expect(isValidSecretName(name)).toBe(false));

  it('maps a name to its pinning environment variable', () => {
    expect(secretEnvironmentVariable('OPENAI_API_KEY')).toBe(
      'BACKSTAGE_SECRETS_OPENAI_API_KEY',
    );
  });

  it('defines manage-secrets as a basic update permission', () => {
    expect(manageSecretsPermission).toEqual({
      type: 'basic',
      name: 'manage-secrets',
      attributes: { action: 'update' },
    });
  });
});
