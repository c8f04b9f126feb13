import { z } from 'zod';
import { InputError } from '@backstage/errors';
import {
  SECRET_NAME_PATTERN,
  SECRET_NAME_RULE,
} from '@backstage-secrets/plugin-secrets-common';

/** The `:name` path parameter. */
export const secretNameSchema = z
  .string()
  .regex(SECRET_NAME_PATTERN, { message: SECRET_NAME_RULE });

/** Body of `PUT /secrets/:name`. Unknown keys are refused, not ignored. */
export const setSecretBodySchema = z
  .object({
    value: z.string({
      required_error: 'value is required',
      invalid_type_error: 'value must be a string',
    }),
    expectedVersion: z
      .number({ invalid_type_error: 'expectedVersion must be a number' })
      .int('expectedVersion must be an integer')
      .min(0, 'expectedVersion must be 0 (no stored value) or a version')
      .optional(),
  })
  .strict();

/**
 * Parses input with a schema, or throws an InputError whose message lists
 * what is wrong. zod messages name paths and rules, never the input itself.
 */
export function parseInput<T>(
  schema: z.ZodType<T>,
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
