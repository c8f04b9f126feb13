import type { ErrorRequestHandler } from 'express';
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
 * A value that the secret's own check (its definition's `validate`) did
 * not accept, or whose check failed or did not finish in time: nothing was
 * stored. Backstage's error handler answers with the error's `statusCode`:
 * 422. The message never contains the value (see SecretChecks).
 */
export class SecretCheckFailedError extends CustomErrorBase {
  name = 'SecretCheckFailedError' as const;
  // A getter, not a field: the error handler reads it, but it is no own
  // property, so the body stays the standard { error: { name, message } }.
  get statusCode(): number {
    return 422;
  }
}

/**
 * Replaces errors whose messages must not reach the caller as they are.
 * Body parser failures quote the offending input (a JSON SyntaxError
 * message includes part of the body, i.e. possibly a value): they become
 * messages that say what to fix and nothing of what was sent. Everything
 * else goes on to Backstage's error handler unchanged.
 */
export const mapBodyParserErrors: ErrorRequestHandler = (
  error,
  _req,
  _res,
  next,
) => {
  const type = (error as { type?: unknown })?.type;
  if (type === 'entity.parse.failed') {
    next(new InputError('The request body is not valid JSON.'));
  } else if (type === 'entity.too.large') {
    next(
      new PayloadTooLargeError(
        `The request body is too large; a secret value may be at most ${SECRET_VALUE_MAX_BYTES} bytes.`,
      ),
    );
  } else if (
    typeof type === 'string' &&
    (type.startsWith('encoding.') || type === 'charset.unsupported')
  ) {
    next(new InputError('The request body must be UTF-8 encoded JSON.'));
  } else {
    next(error);
  }
};
