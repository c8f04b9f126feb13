/**
 * The rule every secret name follows: an upper-case letter, then up to 127
 * upper-case letters, digits or underscores (e.g. `OPENAI_API_KEY`).
 *
 * Names double as environment variable suffixes (`BACKSTAGE_SECRETS_<NAME>`)
 * and config keys (`secrets.values.<NAME>`), so the rule keeps them portable
 * across shells, YAML and URLs without escaping.
 *
 * @public
 */
export const SECRET_NAME_PATTERN = /^[A-Z][A-Z0-9_]{0,127}$/;

/**
 * The longest secret name, in characters.
 *
 * @public
 */
export const SECRET_NAME_MAX_LENGTH = 128;

/**
 * A human readable statement of the name rule, for error messages and docs.
 *
 * @public
 */
export const SECRET_NAME_RULE =
  'a secret name starts with an upper-case letter A-Z, followed by at most 127 upper-case letters, digits or underscores (e.g. OPENAI_API_KEY)';

/**
 * Whether a string is a valid secret name.
 *
 * @public
 */
export function isValidSecretName(name: unknown): name is string {
  return typeof name === 'string' && SECRET_NAME_PATTERN.test(name);
}

/**
 * The prefix of environment variables that pin secret values.
 *
 * @public
 */
export const SECRET_ENV_PREFIX = 'BACKSTAGE_SECRETS_';

/**
 * The environment variable that pins a secret's value, e.g.
 * `BACKSTAGE_SECRETS_OPENAI_API_KEY`.
 *
 * @public
 */
export function secretEnvironmentVariable(name: string): string {
  return `${SECRET_ENV_PREFIX}${name}`;
}

/**
 * The largest value that can be stored, in bytes of UTF-8.
 *
 * @public
 */
export const SECRET_VALUE_MAX_BYTES = 64 * 1024;

/**
 * The rule of a backend plugin id as used in `readers`: lower-case letters,
 * digits and `-`, `_` or `.` in between, like Backstage's own plugin ids
 * (e.g. `catalog`, `my-plugin`).
 *
 * @public
 */
export const PLUGIN_ID_PATTERN = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/i;

/**
 * Whether a string is a valid backend plugin id for `readers`.
 *
 * @public
 */
export function isValidPluginId(id: unknown): id is string {
  return typeof id === 'string' && PLUGIN_ID_PATTERN.test(id);
}
