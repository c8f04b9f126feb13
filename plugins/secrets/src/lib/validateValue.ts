import { toError } from '@backstage/errors';
import {
  SECRET_VALUE_MAX_BYTES,
  type SecretFormat,
} from '@backstage-secrets/plugin-secrets-common';

/**
 * Checks a value before it is sent, so that an obvious mistake (a truncated
 * JSON key file, an empty field) is caught in the dialog instead of by the
 * backend. Returns the problem in words, or undefined when the value is fine.
 *
 * The messages never quote the value: they are shown on screen and could end
 * up in a screenshot or a bug report.
 */
export function validateSecretValue(
  value: string,
  format: SecretFormat,
): string | undefined {
  if (value.length === 0) {
    return 'Enter a value.';
  }
  const bytes = new TextEncoder().encode(value).byteLength;
  if (bytes > SECRET_VALUE_MAX_BYTES) {
    return `The value is ${bytes.toLocaleString(
      'en',
    )} bytes; the limit is ${SECRET_VALUE_MAX_BYTES.toLocaleString(
      'en',
    )} bytes (64 KiB).`;
  }
  if (format === 'json') {
    try {
      JSON.parse(value);
    } catch (error) {
      return `This secret must be JSON, and this is not valid JSON${jsonErrorPosition(
        error,
      )}.`;
    }
  }
  return undefined;
}

// V8's JSON.parse messages quote the offending input ("... "abc" is not
// valid JSON"); keep only the position.
function jsonErrorPosition(error: unknown): string {
  const match = /position (\d+)/.exec(toError(error).message);
  if (match) {
    const position = Number(match[1]);
    return ` (at character ${position + 1})`;
  }
  return '';
}
