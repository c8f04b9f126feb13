import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { SecretDefinition } from './definitions';

/**
 * Lets backend modules of the `secrets` plugin declare the secrets that
 * their plugin needs.
 *
 * @public
 */
export interface SecretsExtensionPoint {
  /**
   * Declare one or more secrets. Must be called from a module's `init`:
   * registration closes when the secrets plugin starts, and a later call
   * throws. When two modules register the same name, the first definition
   * is kept and a warning names both.
   */
  registerSecrets(...definitions: SecretDefinition[]): void;
}

/**
 * The extension point of the `secrets` plugin.
 *
 * @example
 * ```ts
 * export const myPluginSecrets = createBackendModule({
 *   pluginId: 'secrets',
 *   moduleId: 'my-plugin',
 *   register(reg) {
 *     reg.registerInit({
 *       deps: { secrets: secretsExtensionPoint },
 *       async init({ secrets }) {
 *         secrets.registerSecrets({
 *           name: 'MY_API_KEY',
 *           description: 'Calls the My API on behalf of the my-plugin.',
 *           obtainUrl: 'https://example.com/api-keys',
 *           obtainLabel: 'Get a My API key',
 *         });
 *       },
 *     });
 *   },
 * });
 * ```
 *
 * @public
 */
export const secretsExtensionPoint =
  createExtensionPoint<SecretsExtensionPoint>({
    id: 'secrets.registry',
  });
