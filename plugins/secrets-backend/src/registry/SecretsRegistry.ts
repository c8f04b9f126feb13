import {
  isValidPluginId,
  isValidSecretName,
  SECRET_NAME_RULE,
} from '@backstage-secrets/plugin-secrets-common';
import type {
  SecretDefinition,
  SecretsExtensionPoint,
} from '@backstage-secrets/plugin-secrets-node';
import type { HumanDuration } from '@backstage/types';
import { requirePositiveDuration } from '../config';

/** A definition's check of a value with its provider (see SecretChecks). */
export type SecretValidator = NonNullable<SecretDefinition['validate']>;

/** A definition as kept by the registry, with who registered it. */
export interface RegisteredSecret
  extends Required<Pick<SecretDefinition, 'name' | 'format' | 'scope'>> {
  description?: string;
  obtainUrl?: string;
  obtainLabel?: string;
  /** plugin ids that may read it; undefined = any backend plugin */
  readers?: string[];
  /**
   * The definition's check of a value; only extension-point definitions
   * can give one (config-declared definitions have no code).
   */
  validate?: SecretValidator;
  /** how often the value should be replaced; `secrets.rotation.<NAME>` wins */
  rotateEvery?: HumanDuration;
  /** for `scope: 'entity'`: the kinds with a value of their own (default `['Component']`) */
  entityKinds?: string[];
  registeredBy: string;
}

/**
 * Where a registration call came from: the first stack frame outside this
 * package, e.g. `packages/backend/src/modules/exampleSecrets.ts:21`. The
 * extension point factory is not told the module id, and a file and line is
 * what an operator needs to find the duplicate anyway.
 */
function callerLocation(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  for (const frame of frames) {
    if (
      !frame.includes('SecretsRegistry') &&
      !frame.includes('node:internal') &&
      !frame.includes('backend-app-api')
    ) {
      const match = frame.match(/\(?([^()\s]+):(\d+):\d+\)?\s*$/);
      if (match) {
        const file = match[1].replace(/^file:\/\//, '');
        const rel = file.includes('/node_modules/')
          ? file.slice(file.lastIndexOf('/node_modules/') + 14)
          : file.replace(`${process.cwd()}/`, '');
        return `${rel}:${match[2]}`;
      }
    }
  }
  return 'an unknown module';
}

/** An optional field must be one of its allowed values. */
function requireOneOf(
  definition: SecretDefinition,
  field: 'format' | 'scope',
  allowed: string[],
): void {
  const value = definition[field];
  if (value !== undefined && !allowed.includes(value)) {
    throw new Error(
      `Cannot register secret ${definition.name}: ${field} must be ${allowed
        .map(option => `'${option}'`)
        .join(' or ')}, not '${String(value)}'.`,
    );
  }
}

function validateDefinition(definition: SecretDefinition): void {
  if (!isValidSecretName(definition?.name)) {
    throw new Error(
      `Cannot register secret '${String(
        definition?.name,
      )}': ${SECRET_NAME_RULE}.`,
    );
  }
  requireOneOf(definition, 'format', ['text', 'json']);
  requireOneOf(definition, 'scope', ['shared', 'user', 'entity']);
  if (definition.entityKinds !== undefined) {
    if (definition.scope !== 'entity') {
      throw new Error(
        `Cannot register secret ${definition.name}: entityKinds applies to entity-scoped secrets only (scope: 'entity').`,
      );
    }
    if (
      !Array.isArray(definition.entityKinds) ||
      definition.entityKinds.length === 0 ||
      !definition.entityKinds.every(
        kind =>
          typeof kind === 'string' && /^[A-Za-z][A-Za-z0-9-]*$/.test(kind),
      )
    ) {
      throw new Error(
        `Cannot register secret ${definition.name}: entityKinds must be a non-empty list of catalog entity kinds, e.g. ['Component', 'System'].`,
      );
    }
  }
  if (definition.scope === 'user' && definition.readers === undefined) {
    throw new Error(
      `Cannot register secret ${definition.name}: a user-scoped secret must name its readers (the plugin ids that may use a user's value), so that users know which plugins they allow.`,
    );
  }
  if (
    definition.validate !== undefined &&
    typeof definition.validate !== 'function'
  ) {
    throw new Error(
      `Cannot register secret ${definition.name}: validate must be a function (value, { signal }) => Promise<{ ok: true } | { ok: false; message: string }>.`,
    );
  }
  if (definition.scope === 'user' && definition.validate !== undefined) {
    // Users' own values are never sent to a provider on their behalf by the
    // admin's machinery, and nothing would show the outcome: refused rather
    // than silently ignored.
    throw new Error(
      `Cannot register secret ${definition.name}: validate is supported for shared secrets only, not for user-scoped ones. Remove validate, or check the user's value in your plugin when it reads it.`,
    );
  }
  if (definition.readers !== undefined) {
    if (
      !Array.isArray(definition.readers) ||
      !definition.readers.every(isValidPluginId)
    ) {
      throw new Error(
        `Cannot register secret ${definition.name}: readers must be a list of backend plugin ids, e.g. ['catalog', 'my-plugin'].`,
      );
    }
  }
  if (definition.rotateEvery !== undefined) {
    requirePositiveDuration(
      definition.rotateEvery,
      `Cannot register secret ${definition.name}: rotateEvery`,
    );
  }
  if (definition.obtainUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(definition.obtainUrl);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new Error(
        `Cannot register secret ${definition.name}: obtainUrl must be an http(s) URL.`,
      );
    }
  }
}

/**
 * The registered secret definitions. Open while modules initialise; closed
 * when the plugin starts, after which registering throws.
 */
export class SecretsRegistry {
  readonly #definitions = new Map<string, RegisteredSecret>();
  readonly #warnings: string[] = [];
  #closed = false;

  /** One extension point implementation per module that uses it. */
  createExtensionPoint(): SecretsExtensionPoint {
    return {
      registerSecrets: (...definitions) => {
        const registeredBy = callerLocation();
        this.register(registeredBy, definitions);
      },
    };
  }

  register(registeredBy: string, definitions: SecretDefinition[]): void {
    if (this.#closed) {
      throw new Error(
        `Secrets can no longer be registered (from ${registeredBy}): registration closes when the secrets plugin starts. Call registerSecrets from a secrets module's init.`,
      );
    }
    for (const definition of definitions) {
      validateDefinition(definition);
      const existing = this.#definitions.get(definition.name);
      if (existing) {
        this.#warnings.push(
          `Secret ${definition.name} is registered twice: keeping the definition from ${existing.registeredBy}, ignoring the one from ${registeredBy}.`,
        );
        continue;
      }
      this.#definitions.set(definition.name, {
        name: definition.name,
        format: definition.format ?? 'text',
        scope: definition.scope ?? 'shared',
        description: definition.description,
        obtainUrl: definition.obtainUrl,
        obtainLabel: definition.obtainLabel,
        readers: definition.readers
          ? [...new Set(definition.readers)]
          : undefined,
        validate: definition.validate,
        ...(definition.scope === 'entity'
          ? {
              entityKinds: [
                ...new Set(definition.entityKinds ?? ['Component']),
              ],
            }
          : {}),
        ...(definition.rotateEvery
          ? { rotateEvery: { ...definition.rotateEvery } }
          : {}),
        registeredBy,
      });
    }
  }

  /**
   * Closes registration (the plugin is starting) and returns the warnings
   * collected meanwhile, for the plugin's logger.
   */
  close(): string[] {
    this.#closed = true;
    return this.#warnings.splice(0);
  }

  get(name: string): RegisteredSecret | undefined {
    return this.#definitions.get(name);
  }

  list(): RegisteredSecret[] {
    return [...this.#definitions.values()];
  }
}
