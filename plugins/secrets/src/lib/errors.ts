import { ResponseError } from '@backstage/errors';

/**
 * The sentence to show a person for a failed request: the backend's own
 * message (e.g. "Secret FOO has version 3, not 2") rather than the generic
 * "Request failed with 409 Conflict" of the ResponseError wrapper.
 */
export function describeError(error: unknown): string {
  if (ResponseError.is(error)) {
    const serverMessage = error.cause?.message;
    if (serverMessage && serverMessage !== error.message) {
      return serverMessage;
    }
    return error.message;
  }
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

/** Whether the backend answered 409: someone changed the secret meanwhile. */
export function isConflict(error: unknown): boolean {
  return ResponseError.is(error) && error.statusCode === 409;
}

/**
 * Whether the backend answered 422: the definition's check of the value
 * failed (e.g. the provider refused the key), and nothing was stored.
 */
export function isCheckFailure(error: unknown): boolean {
  return ResponseError.is(error) && error.statusCode === 422;
}
