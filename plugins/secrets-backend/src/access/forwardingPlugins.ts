import type { SecretsRegistry } from '../registry';
import type { ReaderPolicy } from './ReaderPolicy';

/**
 * Plugins that forward requests a user chooses: the scaffolder (a
 * template's `http:backstage:request` step sends the user's own token, or
 * one the action mints on their behalf, to any route), the proxy, and the
 * MCP actions backend (an agent's tools). Through them a user could grant
 * the forwarder their own value and have it read back into a step's output,
 * so they are never readers of a per-user secret.
 */
export const BUILT_IN_FORWARDING_PLUGINS = [
  'scaffolder',
  'proxy',
  'mcp-actions',
];

/**
 * Refuses to start when a per-user secret names a forwarding plugin among
 * its readers (in its definition or in `secrets.readers.<NAME>`), naming
 * the secret, the plugin and why.
 */
export function guardForwardingReaders(options: {
  registry: Pick<SecretsRegistry, 'list'>;
  readers: Pick<ReaderPolicy, 'readersOf'>;
  /** `secrets.forwardingPlugins` */
  configured: string[];
}): void {
  const forwarding = new Set([
    ...BUILT_IN_FORWARDING_PLUGINS,
    ...options.configured,
  ]);
  const problems: string[] = [];
  for (const definition of options.registry.list()) {
    if (definition.scope !== 'user') continue;
    const named = (options.readers.readersOf(definition.name) ?? []).filter(
      pluginId => forwarding.has(pluginId),
    );
    for (const pluginId of named) {
      problems.push(`${definition.name} names ${pluginId}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `Per-user secrets cannot be read by plugins that forward requests a user chooses (${[
        ...forwarding,
      ].join(
        ', ',
      )}): through such a plugin a user could allow it their own value and have it read back, so anyone who can make a user run a template, a proxied request or an agent's tool could read that user's value. ${problems.join(
        '; ',
      )} among its readers. Remove it from the definition's readers or from secrets.readers.<NAME>.`,
    );
  }
}
