/**
 * One Kysely dialect per backend, over better-sqlite3, pg and mysql2. The
 * driver is imported when the first query runs, so a project installs only
 * the driver its DATABASE_URL needs, and a missing one is a clear message.
 */
import { observePool, type PoolState } from '../metrics/db.js';
import { MysqlDialect, PostgresDialect, type Dialect } from './kysely.js';
import { DatabaseError } from './errors.js';
import { guardMysqlPool, guardPostgresPool } from './server-pools.js';
import { sqliteDialect } from './sqlite.js';
import type { DatabaseTarget, ServerTarget } from './url.js';

export { sqlitePath } from './sqlite.js';

export interface ConnectionOptions {
  /** Names the connection in messages: `DATABASES['default']`. */
  where: string;
  /** The DATABASES alias, for the metrics' labels. */
  alias?: string;
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
      if (options.alias !== undefined) observePool(options.alias, () => ({ used: pool.totalCount - pool.idleCount, idle: pool.idleCount, waiting: pool.waitingCount }));
      return guardPostgresPool(pool, options.where);
    },
  });
}

/** mysql2 keeps its pool's state in fields it does not document; when they are not there, nothing is reported. */
function mysqlPoolState(pool: object): PoolState | undefined {
  const inner = (pool as { pool?: object }).pool ?? pool;
  const { _allConnections: all, _freeConnections: free, _connectionQueue: queue } = inner as Record<string, { length?: number } | undefined>;
  if (typeof all?.length !== 'number' || typeof free?.length !== 'number') return undefined;
  return { used: all.length - free.length, idle: free.length, waiting: queue?.length ?? 0 };
}

function mysqlDialect(target: ServerTarget, options: ConnectionOptions): Dialect {
  return new MysqlDialect({
    pool: async () => {
      const mysql = await importDriver<typeof import('mysql2')>('mysql', options.where);
      const pool = mysql.createPool({
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
      if (options.alias !== undefined) observePool(options.alias, () => mysqlPoolState(pool));
      return guardMysqlPool(pool, options.where);
    },
  });
}

export function createDialect(target: DatabaseTarget, options: ConnectionOptions): Dialect {
  if (target.backend === 'sqlite') {
    const driver = () => importDriver<typeof import('better-sqlite3')>('sqlite', options.where);
    return sqliteDialect(target, { ...options, busyTimeout: options.connectTimeout, driver });
  }
  return target.backend === 'postgres' ? postgresDialect(target, options) : mysqlDialect(target, options);
}
