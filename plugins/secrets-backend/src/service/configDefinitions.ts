import type { Config } from '@backstage/config';
import { readDurationFromConfig } from '@backstage/config';
import type { JsonObject, JsonValue } from '@backstage/types';
import { secretTemplateNames } from '@backstage-secrets/plugin-secrets-common';
import type { SecretDefinition } from '@backstage-secrets/plugin-secrets-node';
import type { SecretsRegistry } from './SecretsRegistry';

const CONFIG_KEY = 'secrets.definitions';

const ENTRY_KEYS = new Set([
  'name',
  'description',
  'obtainUrl',
  'obtainLabel',
  'format',
  'readers',
  'rotateEvery',
]);

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
  config: Config,
  registry: SecretsRegistry,
): void {
  if (!config.has(CONFIG_KEY)) {
    return;
  }
  let entries: Config[];
  try {
    entries = config.getConfigArray(CONFIG_KEY);
  } catch (error) {
    throw new Error(
      `Invalid app-config ${CONFIG_KEY}: it must be a list of { name, description?, obtainUrl?, obtainLabel?, format?, readers?, rotateEvery? } (${messageOf(
        error,
      )})`,
    );
  }
  entries.forEach((entry, index) => {
    const registeredBy = `app-config ${CONFIG_KEY}[${index}]`;
    let definition: SecretDefinition;
    try {
      definition = readEntry(entry);
      registry.register(registeredBy, [definition]);
    } catch (error) {
      throw new Error(`Invalid ${registeredBy}: ${messageOf(error)}`);
    }
  });
}

function readEntry(entry: Config): SecretDefinition {
  const unknown = entry.keys().filter(key => !ENTRY_KEYS.has(key));
  if (unknown.length > 0) {
    throw new Error(
      `unknown key${unknown.length > 1 ? 's' : ''} ${unknown
        .map(key => `'${key}'`)
        .join(', ')}; allowed are ${[...ENTRY_KEYS].join(', ')}`,
    );
  }
  const definition: SecretDefinition = { name: entry.getString('name') };
  const description = entry.getOptionalString('description');
  if (description !== undefined) definition.description = description;
  const obtainUrl = entry.getOptionalString('obtainUrl');
  if (obtainUrl !== undefined) definition.obtainUrl = obtainUrl;
  const obtainLabel = entry.getOptionalString('obtainLabel');
  if (obtainLabel !== undefined) definition.obtainLabel = obtainLabel;
  const format = entry.getOptionalString('format');
  if (format !== undefined) {
    definition.format = format as SecretDefinition['format'];
  }
  const readers = entry.getOptionalStringArray('readers');
  if (readers !== undefined) definition.readers = readers;
  if (entry.has('rotateEvery')) {
    definition.rotateEvery = readDurationFromConfig(entry, {
      key: 'rotateEvery',
    });
  }
  return definition;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const PROXY_ENDPOINTS_KEY = 'secrets.proxy.endpoints';

/**
 * The secrets that the header templates of `secrets.proxy.endpoints` (read
 * by `@backstage-secrets/plugin-proxy-backend-module-secrets`) refer to must
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
export function checkProxyReferences(
  config: Config,
  registry: SecretsRegistry,
): string[] {
  // Endpoint paths such as /pagerduty are not valid config key parts, so
  // the endpoints are read as plain JSON.
  const endpoints = config.getOptional<JsonValue>(PROXY_ENDPOINTS_KEY);
  if (!isObject(endpoints)) {
    return [];
  }
  const readersRaw = config.getOptional<JsonValue>('secrets.readers');
  const readersConfig = isObject(readersRaw) ? readersRaw : {};
  const undeclared = new Map<string, string[]>();
  const perUser: string[] = [];
  const warnings: string[] = [];
  for (const [path, endpoint] of Object.entries(endpoints)) {
    const headers = isObject(endpoint) ? endpoint.headers : undefined;
    if (!isObject(headers)) continue;
    for (const [header, template] of Object.entries(headers)) {
      let names: string[];
      try {
        names =
          typeof template === 'string' ? secretTemplateNames(template) : [];
      } catch {
        continue;
      }
      for (const name of names) {
        const usedAt = `${PROXY_ENDPOINTS_KEY}["${path}"].headers.${header}`;
        const definition = registry.get(name);
        if (!definition) {
          undeclared.set(name, [...(undeclared.get(name) ?? []), usedAt]);
          continue;
        }
        if (definition.scope === 'user') {
          perUser.push(`${name} (used by ${usedAt})`);
          continue;
        }
        const configured = readersConfig[name];
        const readers = Array.isArray(configured)
          ? configured.map(String)
          : definition.readers;
        if (readers && !readers.includes('proxy')) {
          warnings.push(
            `Secret ${name} is used by ${usedAt}, but its readers (${readers.join(
              ', ',
            )}) do not include the proxy plugin: that endpoint answers 503 until 'proxy' is added to secrets.readers.${name} or to the definition's readers.`,
          );
        }
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

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
