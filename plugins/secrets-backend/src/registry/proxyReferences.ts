import { secretTemplateNames } from '@backstage-secrets/plugin-secrets-common';
import type { SecretsConfig } from '../config';
import type { SecretsRegistry } from './SecretsRegistry';

/**
 * A start-up guard: the secrets that the header templates of
 * `secrets.proxy.endpoints` (read by
 * `@backstage-secrets/plugin-proxy-backend-module-secrets`) refer to must
 * be declared, by a module or in `secrets.definitions`: an admin can set only
 * registered names. Throws an error naming every undeclared one and the
 * endpoint and header that use it, and likewise for per-user secrets (a
 * proxy header carries one shared value). Returns warnings for declared secrets
 * whose readers leave out the `proxy` plugin (each request of the endpoint
 * would then answer 503). Call after the registry has closed.
 *
 * The templates themselves are checked by the proxy module; a template that
 * does not parse is skipped here.
 */
export function guardProxyReferences(
  config: Pick<SecretsConfig, 'proxyHeaderTemplates' | 'readersAsWritten'>,
  registry: SecretsRegistry,
): string[] {
  const undeclared = new Map<string, string[]>();
  const perUser: string[] = [];
  const warnings: string[] = [];
  for (const { usedAt, template } of config.proxyHeaderTemplates()) {
    let names: string[];
    try {
      names = typeof template === 'string' ? secretTemplateNames(template) : [];
    } catch {
      continue;
    }
    for (const name of names) {
      const definition = registry.get(name);
      if (!definition) {
        undeclared.set(name, [...(undeclared.get(name) ?? []), usedAt]);
        continue;
      }
      if (definition.scope === 'user') {
        perUser.push(`${name} (used by ${usedAt})`);
        continue;
      }
      const readers = config.readersAsWritten(name) ?? definition.readers;
      if (readers && !readers.includes('proxy')) {
        warnings.push(
          `Secret ${name} is used by ${usedAt}, but its readers (${readers.join(
            ', ',
          )}) do not include the proxy plugin: that endpoint answers 503 until 'proxy' is added to secrets.readers.${name} or to the definition's readers.`,
        );
      }
    }
  }
  if (perUser.length > 0) {
    throw new Error(
      `Proxy header templates refer to per-user secrets (scope 'user'): ${perUser.join(
        '; ',
      )}. A proxy header carries one shared value for every caller; use a shared secret.`,
    );
  }
  if (undeclared.size > 0) {
    const list = [...undeclared.entries()]
      .map(([name, usedAt]) => `${name} (used by ${usedAt.join(', ')})`)
      .join('; ');
    throw new Error(
      `Proxy header templates refer to secrets that no definition declares: ${list}. Declare each in app-config secrets.definitions (e.g. - name: ${
        [...undeclared.keys()][0]
      }, readers: [proxy]) or in a secrets module, so that an admin can set its value.`,
    );
  }
  return warnings;
}
