/**
 * One Kysely dialect per backend, over better-sqlite3, pg and mysql2. The
 * driver is imported when the first query runs, so a project installs only
 * the driver its DATABASE_URL needs, and a missing one is a clear message.
 */
import { isAbsolute, resolve } from 'node:path';
import { MysqlDialect, PostgresDialect, SqliteDialect, type Dialect } from './kysely.js';
import { DatabaseError } from './errors.js';
import type { DatabaseTarget, ServerTarget, SqliteTarget } from './url.js';

export interface ConnectionOptions {
  /** Names the connection in messages: `DATABASES['default']`. */
  where: string;
  /** The folder a relative SQLite path is relative to. */
  baseDir: string;
  poolSize: number;
  /** Seconds: connecting to a server, or waiting for SQLite's write lock. */
  connectTimeout: number;
  /** Passed to the driver as is. */
  driverOptions: Readonly<Record<string, unknown>>;
}

const DRIVERS: Record<DatabaseTarget['backend'], { package: string; name: string }> = {
  sqlite: { package: 'better-sqlite3', name: 'SQLite' },
  postgres: { package: 'pg', name: 'PostgreSQL' },
  mysql: { package: 'mysql2', name: 'MySQL/MariaDB' },
};

async function importDriver<T>(backend: DatabaseTarget['backend'], where: string): Promise<T> {
  const driver = DRIVERS[backend];
  try {
    return ((await import(driver.package)) as { default: T }).default;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new DatabaseError(`${where} is a ${driver.name} database, which needs the '${driver.package}' package: npm install ${driver.package}`);
  }
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
function walMode(database: import('better-sqlite3').Database): void {
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

function sqliteDialect(target: SqliteTarget, options: ConnectionOptions): Dialect {
  const filename = sqlitePath(target, options.baseDir);
  return new SqliteDialect({
    database: async () => {
      const Database = await importDriver<typeof import('better-sqlite3')>('sqlite', options.where);
      let database: import('better-sqlite3').Database;
      try {
        database = new Database(filename, { timeout: options.connectTimeout * 1000, ...options.driverOptions });
      } catch (error) {
        throw new DatabaseError(`${options.where}: cannot open the SQLite file ${filename}: ${(error as Error).message}`);
      }
      // WAL lets readers go on while one process writes; the busy timeout
      // makes a second writer wait instead of failing at once.
      if (filename !== ':memory:') walMode(database);
      database.pragma('synchronous = NORMAL');
      database.pragma('foreign_keys = ON');
      return database;
    },
  });
}

function postgresDialect(target: ServerTarget, options: ConnectionOptions): Dialect {
  return new PostgresDialect({
    pool: async () => {
      const pg = await importDriver<typeof import('pg')>('postgres', options.where);
      const pool = new pg.Pool({
        host: target.host,
        port: target.port,
        user: target.user,
        password: target.password,
        database: target.database,
        ssl: target.ssl,
        max: options.poolSize,
        connectionTimeoutMillis: options.connectTimeout * 1000,
        // Idle connections do not keep a finished command or test process alive.
        allowExitOnIdle: true,
        ...options.driverOptions,
      });
      // An idle connection the server drops must not crash the process; the next query reconnects.
      pool.on('error', () => undefined);
      return pool;
    },
  });
}

function mysqlDialect(target: ServerTarget, options: ConnectionOptions): Dialect {
  return new MysqlDialect({
    pool: async () => {
      const mysql = await importDriver<typeof import('mysql2')>('mysql', options.where);
      return mysql.createPool({
        host: target.host,
        port: target.port,
        user: target.user,
        password: target.password,
        database: target.database,
        ...(target.ssl ? { ssl: target.ssl } : {}),
        connectionLimit: options.poolSize,
        connectTimeout: options.connectTimeout * 1000,
        // Dates and big numbers as the other backends give them.
        supportBigNumbers: true,
        ...options.driverOptions,
      });
    },
  });
}

export function createDialect(target: DatabaseTarget, options: ConnectionOptions): Dialect {
  if (target.backend === 'sqlite') return sqliteDialect(target, options);
  return target.backend === 'postgres' ? postgresDialect(target, options) : mysqlDialect(target, options);
}
