import { z } from 'zod';
import { InputError } from '@backstage/errors';
import {
  PLUGIN_ID_PATTERN,
  SECRET_NAME_PATTERN,
  SECRET_NAME_RULE,
} from '@backstage-secrets/plugin-secrets-common';

/** The `:name` path parameter. */
export const secretNameSchema = z
  .string()
  .regex(SECRET_NAME_PATTERN, { message: SECRET_NAME_RULE });

/**
 * True when a string is well-formed UTF-16, i.e. has no unpaired surrogate.
 * JSON can carry one (`"\ud800"`), but values are stored as UTF-8, where it
 * would silently become U+FFFD: refused instead of corrupted.
 */
export function isWellFormedUnicode(value: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(
    value,
  );
}

/** Body of `PUT /secrets/:name`. Unknown keys are refused, not ignored. */
export const setSecretBodySchema = z
  .object({
    value: z
      .string({
        required_error: 'value is required',
        invalid_type_error: 'value must be a string',
      })
      .refine(isWellFormedUnicode, {
        message:
          'value must be valid Unicode text: it contains an unpaired surrogate (a lone \\uD800-\\uDFFF escape), which cannot be stored as UTF-8 and would read back as U+FFFD',
      }),
    expectedVersion: z
      .number({ invalid_type_error: 'expectedVersion must be a number' })
      .int('expectedVersion must be an integer')
      .min(0, 'expectedVersion must be 0 (no stored value) or a version')
      .optional(),
    skipValidation: z
      .boolean({ invalid_type_error: 'skipValidation must be true or false' })
      .optional(),
  })
  .strict();

/**
 * The `:version` path parameter of a restore: a positive integer, as
 * digits (no sign, no exponent, no leading zero), that fits a version.
 */
export const versionParamSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, {
    message: 'a version is a positive integer, e.g. 3',
  })
  .transform(Number)
  .refine(version => version <= 2 ** 31 - 1, {
    message: 'a version is a positive integer, e.g. 3',
  });

/** Body of `POST /secrets/:name/versions/:version/restore` (may be empty). */
export const restoreBodySchema = z
  .object({
    expectedVersion: z
      .number({ invalid_type_error: 'expectedVersion must be a number' })
      .int('expectedVersion must be an integer')
      .min(0, 'expectedVersion must be 0 (no stored value) or a version')
      .optional(),
  })
  .strict();

/** The query of `DELETE /secrets/:name`: `?purge=true` also removes history. */
export const clearQuerySchema = z
  .object({
    purge: z
      .enum(['true', 'false'], {
        errorMap: () => ({ message: 'purge must be true or false' }),
      })
      .optional(),
    expectedVersion: z
      .string()
      .regex(/^(0|[1-9][0-9]{0,8})$/, {
        message:
          'expectedVersion must be the version you last saw: a whole number, 0 for no value',
      })
      .transform(Number)
      .optional(),
  })
  .strict();

/** The `:pluginId` path parameter of a grant. */
export const pluginIdSchema = z.string().regex(PLUGIN_ID_PATTERN, {
  message:
    'a plugin id is lower-case letters, digits, and -, _ or . in between (e.g. my-plugin)',
});

/** Body of `PUT /user/secrets/:name/grants/:pluginId`. */
export const setGrantBodySchema = z
  .object({
    allowed: z.boolean({
      required_error: 'allowed is required',
      invalid_type_error: 'allowed must be true or false',
    }),
  })
  .strict();

/**
 * Parses input with a schema, or throws an InputError whose message lists
 * what is wrong. zod messages name paths and rules, never the input itself.
 */
export function parseInput<T>(
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  input: unknown,
  what: string,
): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues
      .map(issue =>
        issue.path.length
          ? `${issue.path.join('.')}: ${issue.message}`
          : issue.message,
      )
      .join('; ');
    throw new InputError(`Invalid ${what}: ${problems}`);
  }
  return result.data;
}
