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
