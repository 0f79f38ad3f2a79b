/**
 * What tsgate adds to pg's and mysql2's pools so that a connection the
 * server drops (pg_terminate_backend, KILL CONNECTION, a failover, a proxy
 * or pooler restart, an idle reaper) costs at most the request using it:
 *
 * - every connection has an 'error' listener for its whole life. pg-pool
 *   listens on idle clients only, and an error on a client in use, with no
 *   listener, killed the worker;
 * - a broken connection is never handed out again: a pg client whose
 *   statement failed with its connection (not an ordinary SQL error) is
 *   released as broken, which pg-pool destroys (it would put it back if
 *   released before pg saw the socket close); mysql2 removes a connection
 *   from its pool on its first error;
 * - what is safe to try again is tried again once: opening a connection
 *   (see isTransientConnectError), and the first statement on a connection
 *   found broken before that statement was sent (it broke while idle in the
 *   pool). A statement the server may have run is never sent twice: its
 *   request fails, a 500.
 */
import type { Pool as PgPool, PoolClient as PgClient, Submittable } from 'pg';
import type { Pool as MysqlPool, PoolConnection as MysqlConnection } from 'mysql2';
import { logger } from '../logging/index.js';
import { isTransientConnectError } from './errors.js';
import type {
  MysqlPool as KyselyMysqlPool,
  MysqlPoolConnection,
  MysqlQueryResult,
  MysqlStream,
  MysqlStreamOptions,
  PostgresCursor,
  PostgresPool,
  PostgresPoolClient,
  PostgresQueryResult,
} from './kysely.js';

const RETRY_PAUSE_MS = 100;

/** The listener a connection keeps for life: it logs the first error (later ones are the same failure). */
function lossReporter(where: string): (error: Error) => void {
  let reported = false;
  return (error) => {
    if (reported) return;
    reported = true;
    logger.warning(`${where}: a database connection was lost (${error.message}); it is closed, and the next query opens a new one`);
  };
}

/** Opens a connection, once more after a moment if the first attempt met a transient failure. */
async function connectWithRetry<T>(connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (error) {
    if (!isTransientConnectError(error)) throw error;
    await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    return connect();
  }
}

/** pg's errors for a query refused before anything was sent: the client broke (or closed) earlier. */
const PG_NOT_SENT = /^Client (has encountered a connection error|was closed) and is not queryable$/;

/**
 * An ordinary error of a statement (severity ERROR: a constraint, a syntax
 * error, a cancelled query): the connection goes on. Anything else (a
 * FATAL from a terminated backend, a lost socket) leaves it unusable, even
 * before pg has seen its socket close.
 */
function isStatementError(error: unknown): boolean {
  return (error as { severity?: unknown } | null)?.severity === 'ERROR';
}

/**
 * A pooled pg client as Kysely uses it. If its first statement is refused
 * unsent, the client broke while idle: it is destroyed, and the statement
 * runs on a new one. A client whose statement failed with the connection
 * is destroyed when released, never handed out again.
 */
class PostgresClient implements PostgresPoolClient {
  private used = false;
  private broken = false;
  private released = false;

  constructor(
    private client: PgClient,
    private readonly connect: () => Promise<PgClient>,
  ) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(query: string | PostgresCursor<R>, parameters: ReadonlyArray<unknown> = []): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // A cursor (only with a dialect given pg-cursor) is passed on as it is.
    if (typeof query !== 'string') return this.client.query(query as PostgresCursor<R> & Submittable);
    return this.statement<R>(query, parameters);
  }

  private async statement<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    if (this.used) return this.run<R>(sql, parameters);
    this.used = true;
    try {
      return await this.run<R>(sql, parameters);
    } catch (error) {
      if (!(error instanceof Error && PG_NOT_SENT.test(error.message))) throw error;
      this.client.release(error);
      this.released = true;
      this.client = await this.connect();
      this.released = false;
      this.broken = false;
      return this.run<R>(sql, parameters);
    }
  }

  private async run<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    try {
      const { command, rowCount, rows } = await this.client.query(sql, [...parameters]);
      return { command: command as PostgresQueryResult<R>['command'], rowCount: rowCount ?? 0, rows };
    } catch (error) {
      if (!isStatementError(error)) this.broken = true;
      throw error;
    }
  }

  release(destroy?: boolean): void {
    // (Released already when a new client could not be had in its place.)
    if (!this.released) this.client.release(destroy || this.broken);
  }
}

/** `pool` as Kysely's PostgresDialect wants it, with the guards above. */
export function guardPostgresPool(pool: PgPool, where: string): PostgresPool {
  // Idle clients' errors, which pg-pool re-emits here, are reported by each client's own listener.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', lossReporter(where)));
  const connect = () => connectWithRetry(() => pool.connect());
  return {
    connect: async () => new PostgresClient(await connect(), connect),
    end: () => pool.end(),
  };
}

/** mysql2's error for a command on a connection that had already closed: nothing was sent. */
const MYSQL_NOT_SENT = "Can't add new command when connection is in closed state";

type MysqlCallback = (error: unknown, result: MysqlQueryResult) => void;
type MysqlStreamable = { stream: <T>(options: MysqlStreamOptions) => MysqlStream<T> };

/** A pooled mysql2 connection as Kysely uses it; as PostgresClient, its first statement is run again on a new connection if refused unsent. */
class MysqlClient implements MysqlPoolConnection {
  private used = false;

  constructor(
    private connection: MysqlConnection,
    private readonly connect: () => Promise<MysqlConnection>,
  ) {}

  query(sql: string, parameters: unknown[]): MysqlStreamable;
  query(sql: string, parameters: unknown[], callback: MysqlCallback): void;
  query(sql: string, parameters: unknown[], callback?: MysqlCallback): MysqlStreamable | void {
    // A streamed query (Kysely's stream()) is passed on as it is.
    if (!callback) {
      this.used = true;
      return this.connection.query(sql, parameters);
    }
    const run = (done: MysqlCallback) => this.connection.query(sql, parameters, (error, result) => done(error, result as MysqlQueryResult));
    if (this.used) return void run(callback);
    this.used = true;
    run((error, result) => {
      if (!(error instanceof Error && error.message === MYSQL_NOT_SENT)) return callback(error, result);
      // mysql2 has taken the broken connection out of its pool already.
      this.connect().then(
        (connection) => {
          this.connection = connection;
          run(callback);
        },
        (connectError: unknown) => callback(connectError, result),
      );
    });
  }

  release(): void {
    this.connection.release();
  }
}

/** `pool` as Kysely's MysqlDialect wants it, with the guards above. */
export function guardMysqlPool(pool: MysqlPool, where: string): KyselyMysqlPool {
  pool.on('connection', (connection) => connection.on('error', lossReporter(where)));
  const connect = () =>
    connectWithRetry(() => new Promise<MysqlConnection>((resolve, reject) => pool.getConnection((error, connection) => (error ? reject(error) : resolve(connection)))));
  return {
    getConnection: (callback) => {
      connect().then(
        (connection) => callback(null, new MysqlClient(connection, connect)),
        // Kysely reads the connection only when there is no error.
        (error: unknown) => callback(error, undefined as never),
      );
    },
    end: (callback) => pool.end(callback),
  };
}
