import { CustomErrorBase, InputError } from '@backstage/errors';
import { SECRET_VALUE_MAX_BYTES } from '@backstage-secrets/plugin-secrets-common';

/**
 * A value or request body too large to store. Backstage's error handler
 * answers with the error's `statusCode`: 413.
 */
export class PayloadTooLargeError extends CustomErrorBase {
  name = 'PayloadTooLargeError' as const;
  readonly statusCode = 413;
}

/**
 * Checks a value against its definition (size, not empty, JSON when the
 * format says so), for shared and user values alike. Messages never quote
 * the value.
 */
export function validateValue(
  definition: { name: string; format: 'text' | 'json' },
  value: string,
): void {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > SECRET_VALUE_MAX_BYTES) {
    throw new PayloadTooLargeError(
      `The value of ${definition.name} is ${bytes} bytes; the limit is ${SECRET_VALUE_MAX_BYTES} bytes.`,
    );
  }
  if (value.length === 0) {
    throw new InputError(
      `The value of ${definition.name} is empty. To remove the value, clear the secret instead.`,
    );
  }
  if (definition.format === 'json') {
    try {
      JSON.parse(value);
    } catch {
      // JSON.parse messages can quote part of the input: never pass them on.
      throw new InputError(
        `The value of ${definition.name} must be valid JSON (its format is json), and it is not.`,
      );
    }
  }
}
