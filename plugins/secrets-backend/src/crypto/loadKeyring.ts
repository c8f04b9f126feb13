import type { LoggerService } from '@backstage/backend-plugin-api';
import type { SecretsConfig } from '../config';
import { Keyring } from './Keyring';
import { GENERATE_KEY_HINT } from './keyFormat';
import { loadOrCreateDevelopmentKey } from './developmentKey';

/** The keyring from config, or the development key file; fails start-up otherwise. */
export async function loadKeyring(
  config: Pick<SecretsConfig, 'encryptionKeys' | 'developmentKeyFile'>,
  logger: LoggerService,
): Promise<Keyring> {
  const configured = Keyring.fromConfig(config.encryptionKeys());
  if (configured) {
    return configured;
  }
  const developmentKeyFile = config.developmentKeyFile();
  if (developmentKeyFile) {
    return Keyring.fromSecrets([
      await loadOrCreateDevelopmentKey({ file: developmentKeyFile, logger }),
    ]);
  }
  throw new Error(
    `No encryption key is configured for the secrets plugin. ${GENERATE_KEY_HINT} ` +
      'For local development only, set secrets.encryption.developmentKeyFile ' +
      '(e.g. .data/secrets-dev-key.json, and add .data/ to .gitignore) instead: ' +
      'a key is then generated into that file on first start.',
  );
}
