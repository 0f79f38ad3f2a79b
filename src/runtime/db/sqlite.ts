/**
 * The SQLite dialect, over better-sqlite3, which is synchronous: while
 * SQLite's own busy handler waits for another process's write lock, the
 * whole worker waits with it (no other request, no heartbeat), and the
 * handler sleeps at least a millisecond per try, where the other process
 * holds a WAL write lock for tens of microseconds. With two workers writing
 * on every request (the welcome page: its visit counter and its session
 * row) about one request in forty met a held lock, and each such meeting
 * stalled every request queued on that worker: the latency's tail. So
 * SQLite is told not to wait at all (busy_timeout 0) and a statement that
 * found the lock held is tried again here, first on the next turns of the
 * event loop, then after short growing pauses, until CONNECT_TIMEOUT: the
 * event loop is never blocked by a wait.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import { SqliteDialect, SqliteDriver, type CompiledQuery, type DatabaseConnection, type Driver, type QueryResult, type SqliteDialectConfig } from './kysely.js';
import { DatabaseError, isSqliteBusy } from './errors.js';
import type { SqliteTarget } from './url.js';

/** SQLite's own busy timeout, in ms: none, it would block the event loop (the waiting is done here). */
export const SQLITE_BUSY_TIMEOUT_MS = 0;
/** Tries on the next turn of the event loop (setImmediate) before pausing: a held WAL write lock is usually free by then. */
const BUSY_IMMEDIATE_TRIES = 3;
/** The longest pause between tries, in ms; pauses grow 1, 2, 4, 8, 10, 10… ms. */
const BUSY_PAUSE_MAX_MS = 10;

export interface SqliteOptions {
  /** Names the connection in messages: `DATABASES['default']`. */
  where: string;
  /** The folder a relative path is relative to. */
  baseDir: string;
  /** Seconds a statement waits for another connection's write lock before failing with SQLITE_BUSY. */
  busyTimeout: number;
  /** Passed to better-sqlite3 as is. */
  driverOptions: Readonly<Record<string, unknown>>;
  /** Imports better-sqlite3 (or says clearly that it is missing). */
  driver: () => Promise<typeof import('better-sqlite3')>;
}

/** The SQLite file's path: relative paths are relative to the project folder. */
export function sqlitePath(target: SqliteTarget, baseDir: string): string {
  return target.filename === ':memory:' || isAbsolute(target.filename) ? target.filename : resolve(baseDir, target.filename);
}

/**
 * Turns on WAL. Converting a new file takes a lock that SQLite does not
 * always wait for with the busy handler, so several processes opening the
 * same new file at once (containers running migrate together) retry here.
 */
function walMode(database: Database): void {
  for (let attempt = 1; ; attempt++) {
    try {
      database.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || attempt >= 100) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/** How many prepared statements a connection keeps (least recently used dropped first). */
const STATEMENT_CACHE_SIZE = 200;

/**
 * better-sqlite3's statements by SQL text, prepared once and reused, as
 * Django's sqlite3 backend lets the sqlite3 module's statement cache do:
 * Kysely's SQLite driver prepares every query afresh, which cost as much
 * CPU as running the welcome page's four short statements. A query builds
 * the same SQL text each time with its values as parameters, so a site's
 * few dozen statements stay prepared. SQLite prepares a statement again by
 * itself when the schema changed under it (a migration).
 */
class StatementCache {
  readonly #statements = new Map<string, Statement>();

  constructor(private readonly database: Database) {}

  get(sql: string): Statement {
    const cached = this.#statements.get(sql);
    if (cached !== undefined) {
      // Most recently used last: the first key is the one to drop.
      this.#statements.delete(sql);
      this.#statements.set(sql, cached);
      return cached;
    }
    const statement = this.database.prepare(sql);
    if (this.#statements.size >= STATEMENT_CACHE_SIZE) this.#statements.delete(this.#statements.keys().next().value as string);
    this.#statements.set(sql, statement);
    return statement;
  }
}

/** Runs a query as Kysely's SqliteConnection does, with the statement from the cache. */
function runCached<R>(statements: StatementCache, query: CompiledQuery): QueryResult<R> {
  const statement = statements.get(query.sql);
  if (statement.reader) return { rows: statement.all(query.parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(query.parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Waits before the `attempt`-th try again (1 for the first retry), the event loop free meanwhile. */
function busyWait(attempt: number): Promise<void> {
  if (attempt <= BUSY_IMMEDIATE_TRIES) return nextTurn();
  return pause(Math.min(2 ** (attempt - BUSY_IMMEDIATE_TRIES - 1), BUSY_PAUSE_MAX_MS));
}

/**
 * Runs a statement again while SQLite answers plain SQLITE_BUSY, until
 * `timeoutMs` has passed. A statement that got SQLITE_BUSY did not run
 * (SQLite's busy handler retries it the same way); in WAL mode, which every
 * file here uses, that holds inside a transaction too, where a stale
 * snapshot is SQLITE_BUSY_SNAPSHOT instead and is not retried.
 */
class BusyWaitingConnection implements DatabaseConnection {
  readonly #statements: StatementCache;

  constructor(
    private readonly inner: DatabaseConnection,
    database: Database,
    private readonly timeoutMs: number,
  ) {
    this.#statements = new StatementCache(database);
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const query = bindable(compiled);
    let deadline = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return runCached<R>(this.#statements, query);
      } catch (error) {
        if (!isSqliteBusy(error)) throw error;
        // Date.now() only once a lock was met: the common path reads no clock.
        if (deadline === 0) deadline = Date.now() + this.timeoutMs;
        if (Date.now() >= deadline) throw error;
      }
      await busyWait(attempt);
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(bindable(query), chunkSize);
  }
}

/**
 * better-sqlite3 binds numbers, strings, bigints, buffers and null only: a
 * boolean (a `field.boolean()` value) is bound as 1/0, and a Date as UTC
 * text in SQLite's own `YYYY-MM-DD HH:MM:SS.SSS` form, which sorts and
 * compares with CURRENT_TIMESTAMP's.
 */
function bindable(query: CompiledQuery): CompiledQuery {
  if (!query.parameters.some((value) => typeof value === 'boolean' || value instanceof Date)) return query;
  const parameters = query.parameters.map((value) => {
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
    return value;
  });
  return { ...query, parameters };
}

/**
 * Kysely's SQLite driver with its one connection wrapped: BEGIN, COMMIT and
 * savepoints go through the connection they are given, so they wait too.
 */
class BusyWaitingDriver extends SqliteDriver {
  #connection: BusyWaitingConnection | undefined;
  /** The database Kysely's driver opened (through the config's factory), for the statement cache. */
  #database: Database | undefined;

  constructor(
    config: SqliteDialectConfig,
    private readonly timeoutMs: number,
  ) {
    const open = config.database;
    super({
      ...config,
      database: async () => {
        const database = (typeof open === 'function' ? await open() : open) as Database;
        this.#database = database;
        return database;
      },
    });
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    this.#connection ??= new BusyWaitingConnection(connection, this.#database as Database, this.timeoutMs);
    return this.#connection;
  }
}

class BusyWaitingSqliteDialect extends SqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly timeoutMs: number,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new BusyWaitingDriver(this.config, this.timeoutMs);
  }
}

export function sqliteDialect(target: SqliteTarget, options: SqliteOptions): SqliteDialect {
  const filename = sqlitePath(target, options.baseDir);
  const timeoutMs = options.busyTimeout * 1000;
  return new BusyWaitingSqliteDialect(
    {
      database: async () => {
        const Driver = await options.driver();
        let database: Database;
        try {
          database = new Driver(filename, { timeout: SQLITE_BUSY_TIMEOUT_MS, ...options.driverOptions });
        } catch (error) {
          throw new DatabaseError(`${options.where}: cannot open the SQLite file ${filename}: ${(error as Error).message}`);
        }
        // WAL lets readers go on while one process writes; a second writer tries again (see above).
        if (filename !== ':memory:') walMode(database);
        database.pragma('synchronous = NORMAL');
        database.pragma('foreign_keys = ON');
        return database;
      },
    },
    timeoutMs,
  );
}
