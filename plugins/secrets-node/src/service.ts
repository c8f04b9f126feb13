import {
  BackstageCredentials,
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { DefaultSecretsClient } from './client/DefaultSecretsClient';

/**
 * Options of a secret read.
 *
 * @public
 */
export interface SecretReadOptions {
  /**
   * The user the calling plugin acts for. The read is then recorded as
   * last used by that user, through the calling plugin.
   */
  onBehalfOf?: BackstageCredentials;
}

/**
 * Reads secret values. Available to every backend plugin through
 * {@link secretsServiceRef}.
 *
 * @public
 */
export interface SecretsService {
  /**
   * The secret's value, or `undefined` when no value is set (neither in the
   * configuration, the environment, nor the database).
   */
  getSecret(
    name: string,
    options?: SecretReadOptions,
  ): Promise<string | undefined>;
  /**
   * The secret's value; throws a `NotFoundError` that says where an admin
   * sets it when no value is set.
   */
  requireSecret(name: string, options?: SecretReadOptions): Promise<string>;
}

/**
 * The secrets service. Its default implementation calls the `secrets`
 * backend plugin over HTTP with the calling plugin's service token, so it
 * works whether that plugin runs in the same process or elsewhere.
 *
 * @public
 */
export const secretsServiceRef = createServiceRef<SecretsService>({
  id: 'secrets.service',
  scope: 'plugin',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        config: coreServices.rootConfig,
      },
      factory({ auth, discovery, config }) {
        return new DefaultSecretsClient({
          auth,
          discovery,
          cacheTtlMs: config.getOptionalNumber(
            'secrets.client.cacheTtlMilliseconds',
          ),
        });
      },
    }),
});
