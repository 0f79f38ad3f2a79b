/** A database that cannot be reached or used; the message names the setting and the host, never the password. */
export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

/**
 * Why opening a new connection failed when a second attempt may well work:
 * the server cut the connection during its start-up (a backend terminated,
 * a proxy restarted), refused it for a moment, or is starting or stopping
 * (a failover). Nothing has run on such a connection yet, so trying again
 * is safe. A wrong password, a missing database or a timeout are not here:
 * trying again gives the same answer, later.
 */
const TRANSIENT_CONNECT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  // PostgreSQL: admin_shutdown (pg_terminate_backend), crash_shutdown, cannot_connect_now (starting or stopping).
  '57P01',
  '57P02',
  '57P03',
  // MySQL/MariaDB: the socket closed under the handshake; the server is shutting down; too many connections for now.
  'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
]);

/** pg reports a socket closed under it by message only. */
const PG_TERMINATED = /^Connection terminated unexpectedly$/;

export function isTransientConnectError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined && TRANSIENT_CONNECT_CODES.has(code)) || PG_TERMINATED.test(error.message);
}

/**
 * SQLite's "database is locked": another connection holds the write lock.
 * Only the plain code, after which the statement can run again as SQLite's
 * own busy handler would run it; not SQLITE_BUSY_SNAPSHOT (a transaction's
 * snapshot went stale: only a new transaction helps) nor SQLITE_LOCKED (a
 * conflict inside this very connection).
 */
export function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_RECOVERY';
}
