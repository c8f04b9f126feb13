import { NotAllowedError } from '@backstage/errors';
import type { SecretsConfig } from '../config';
import type { SecretsRegistry } from '../registry';

/**
 * Who may read a secret's value: its scope (one shared value, or one per
 * user) and its readers (`secrets.readers.<NAME>` from the configuration
 * wins over the definition). Used by the access gate before a read, by
 * the read itself, by the lists, and by users' grants.
 */
export class ReaderPolicy {
  constructor(
    private readonly options: {
      registry: SecretsRegistry;
      config: Pick<SecretsConfig, 'readersOf'>;
    },
  ) {}

  /** The plugin ids that may read a secret; undefined = any plugin. */
  readersOf(name: string): string[] | undefined {
    const configured = this.options.config.readersOf(name);
    if (configured !== undefined) return [...new Set(configured)];
    return this.options.registry.get(name)?.readers;
  }

  /** The scope of a registered secret; undefined when not registered. */
  scopeOf(name: string): 'shared' | 'user' | 'entity' | undefined {
    return this.options.registry.get(name)?.scope;
  }

  /**
   * Refuses a caller outside a secret's readers, naming the caller and the
   * secret (never a value). Unregistered names pass: the read then answers
   * 404. External callers (when allowed at all) may read only secrets
   * without readers: readers name backend plugins.
   */
  assertMayRead(name: string, caller: string): void {
    if (!this.options.registry.get(name)) return;
    const readers = this.readersOf(name);
    if (readers === undefined) return;
    const pluginId = caller.startsWith('plugin:')
      ? caller.slice('plugin:'.length)
      : undefined;
    if (pluginId !== undefined && readers.includes(pluginId)) return;
    const who =
      pluginId !== undefined
        ? `Plugin ${pluginId}`
        : `The external caller ${caller}`;
    throw new NotAllowedError(
      `${who} may not read secret ${name}: only ${
        readers.length === 0
          ? 'no plugin'
          : `the plugin(s) ${readers.join(', ')}`
      } may read it. An operator can change that with secrets.readers.${name} in app-config.yaml.`,
    );
  }
}
