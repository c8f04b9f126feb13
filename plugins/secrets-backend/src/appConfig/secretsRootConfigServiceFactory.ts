import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import type { RootConfigFactoryOptions } from '@backstage/backend-defaults/rootConfig';
import { loadAppConfigWithSecrets } from './loadAppConfig';

/**
 * The root config service with stored secrets: use it instead of the stock
 * root config, `backend.add(secretsRootConfigServiceFactory())`. Same
 * sources and options as `rootConfigServiceFactory` from
 * `@backstage/backend-defaults/rootConfig`; `${NAME}` resolves to the
 * environment variable when set, else to the stored value of the secret
 * `NAME` when `secrets.definitions` declares it with `appConfig: true`,
 * else to nothing. Only at keys whose config schema visibility is secret;
 * a changed value is emitted to config subscribers within
 * `secrets.appConfig.reloadInterval`.
 *
 * @public
 */
export function secretsRootConfigServiceFactory(
  options?: RootConfigFactoryOptions,
) {
  return createServiceFactory({
    service: coreServices.rootConfig,
    deps: {},
    factory: () => loadAppConfigWithSecrets(options),
  });
}
