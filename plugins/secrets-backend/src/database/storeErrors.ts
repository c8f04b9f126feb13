import { CustomErrorBase, ServiceUnavailableError } from '@backstage/errors';

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08001',
  '08003',
  '08006',
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
]);

/**
 * Whether an error means the database could not be reached (as opposed to
 * a query that the database refused): such requests answer 503 and can be
 * retried; the plugin recovers by itself when the database is back, since
 * knex's pool opens new connections on demand.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; name?: string; message?: string };
  if (!e || typeof e !== 'object') return false;
  if (e.code && CONNECTION_ERROR_CODES.has(e.code)) return true;
  if (e.name === 'KnexTimeoutError') return true;
  return /Connection terminated|connection is closed|Client has encountered a connection error|timeout exceeded when trying to connect|Unable to acquire a connection/i.test(
    e.message ?? '',
  );
}

/** A database error code, when it is one: short, and never data. */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^[A-Za-z0-9_]{1,40}$/.test(code)
    ? code
    : 'unknown';
}

/**
 * A store operation failed. The message names the operation and the
 * database's error code only: knex and driver messages quote the SQL with
 * its bound values (ciphertext, key ids, actors), which must reach neither
 * a log, an audit event nor a response. No `cause` either, for the same
 * reason (CustomErrorBase would append its message).
 */
export class SecretsStoreError extends CustomErrorBase {
  name = 'SecretsStoreError' as const;
  /** e.g. `SQLITE_CONSTRAINT_TRIGGER` or `23505` */
  readonly code: string;

  constructor(operation: string, code: string) {
    super(
      `The secrets database refused the operation '${operation}' (error code ${code}); nothing was changed by it.`,
    );
    this.code = code;
  }
}

/**
 * Runs a store operation and replaces any error with one that carries the
 * operation and the error code only: 503 when the database is unreachable,
 * 500 otherwise.
 */
export async function guardStoreErrors<T>(
  operation: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    // Programming errors carry no query and no bound values: keep them as
    // they are, for whoever has to fix them.
    if (
      (error instanceof TypeError || error instanceof RangeError) &&
      (error as { code?: unknown }).code === undefined
    ) {
      throw error;
    }
    if (isDatabaseUnavailable(error)) {
      throw new ServiceUnavailableError(
        `The secrets database cannot be reached right now (operation '${operation}', error code ${errorCode(
          error,
        )}), so nothing was read or changed. Try again shortly.`,
      );
    }
    throw new SecretsStoreError(operation, errorCode(error));
  }
}
