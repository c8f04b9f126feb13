import {
  secretEnvironmentVariable,
  SECRET_ENV_PREFIX,
  type SecretSource,
} from '@backstage-secrets/plugin-secrets-common';
import type { SecretsConfig } from '../config';

/** A value pinned by configuration or environment, and what pins it. */
export interface Pin {
  source: Exclude<SecretSource, 'database' | 'unset'>;
  /** the config key or environment variable */
  pinnedBy: string;
  value: string;
}

/**
 * Pins: values that operators set in app-config (`secrets.values.<NAME>`)
 * or the environment (`BACKSTAGE_SECRETS_<NAME>`), which win over the
 * stored value. Configuration wins over the environment; an empty value
 * pins nothing (an unset variable substituted into app-config).
 */
export class Pins {
  constructor(
    private readonly options: {
      config: Pick<SecretsConfig, 'pinKey' | 'pinnedValue' | 'pinnedNames'>;
      /** the environment; process.env when absent */
      env?: NodeJS.ProcessEnv;
    },
  ) {}

  get #env(): NodeJS.ProcessEnv {
    return this.options.env ?? process.env;
  }

  /** The pin of a secret, if configuration or environment sets it. */
  of(name: string): Pin | undefined {
    const { config } = this.options;
    const fromConfig = config.pinnedValue(name);
    if (fromConfig !== undefined && fromConfig !== '') {
      return {
        source: 'config',
        pinnedBy: config.pinKey(name),
        value: fromConfig,
      };
    }
    const variable = secretEnvironmentVariable(name);
    const fromEnv = this.#env[variable];
    if (fromEnv !== undefined && fromEnv !== '') {
      return { source: 'environment', pinnedBy: variable, value: fromEnv };
    }
    return undefined;
  }

  /**
   * Every pin at once, by name: one pass over the configured values and the
   * environment, instead of two lookups per secret when listing thousands.
   */
  all(): Map<string, Pin> {
    const names = new Set(this.options.config.pinnedNames());
    for (const variable of Object.keys(this.#env)) {
      if (variable.startsWith(SECRET_ENV_PREFIX)) {
        names.add(variable.slice(SECRET_ENV_PREFIX.length));
      }
    }
    const pins = new Map<string, Pin>();
    for (const name of names) {
      const pin = this.of(name);
      if (pin) pins.set(name, pin);
    }
    return pins;
  }
}
