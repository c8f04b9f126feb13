import type { ErrorRequestHandler } from 'express';
import { InputError } from '@backstage/errors';
import { SECRET_VALUE_MAX_BYTES } from '@backstage-secrets/plugin-secrets-common';
import { PayloadTooLargeError } from '../values';

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
