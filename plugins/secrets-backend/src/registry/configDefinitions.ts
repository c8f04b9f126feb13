import type { SecretsConfig } from '../config';
import type { SecretsRegistry } from './SecretsRegistry';

/**
 * Registers the secrets declared in `secrets.definitions` of app-config, for
 * plugins that have no secrets module of their own (e.g. a proxy endpoint).
 * They go through the same registry, so the same validation and duplicate
 * rule apply: a name that a module registered already keeps the module's
 * definition, with a warning. Each entry is registered as
 * `app-config secrets.definitions[<index>]`.
 *
 * An invalid entry throws an error that names the entry, which stops the
 * plugin's start-up.
 */
export function registerConfigDefinitions(
  config: Pick<SecretsConfig, 'forEachDefinition'>,
  registry: SecretsRegistry,
): void {
  config.forEachDefinition((registeredBy, definition) =>
    registry.register(registeredBy, [definition]),
  );
}
