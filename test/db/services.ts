/**
 * The three database backends the db tests run on, and a fresh, randomly
 * named database on each for a test to use and drop.
 *
 * PostgreSQL and MariaDB/MySQL are reached through an admin URL
 * (TSGATE_TEST_POSTGRES_URL, TSGATE_TEST_MYSQL_URL). Where a server cannot
 * be reached, its suites are skipped with a notice — unless
 * TSGATE_REQUIRE_SERVICES=1, where they fail instead.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, it } from 'vitest';

export type BackendName = 'sqlite' | 'postgres' | 'mysql';

export interface Backend {
  name: BackendName;
  /** For test titles: `sqlite`, `postgres`, `mysql`. */
  title: string;
  /** The admin URL (servers only). */
  adminUrl: string;
  available: boolean;
  /** Why the server could not be used, when it could not. */
  problem: string | undefined;
}

export const POSTGRES_ADMIN_URL = process.env.TSGATE_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_ADMIN_URL = process.env.TSGATE_TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306/test';
export const SERVICES_REQUIRED = process.env.TSGATE_REQUIRE_SERVICES === '1';

/** The URL with its database (path) replaced. */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.href;
}

export async function adminQuery(backend: 'postgres' | 'mysql', statement: string): Promise<void> {
  if (backend === 'postgres') {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  } else {
    const connection = await mysql.createConnection({ uri: MYSQL_ADMIN_URL, connectTimeout: 5000 });
    try {
      await connection.query(statement);
    } finally {
      await connection.end();
    }
  }
}

async function probe(name: 'postgres' | 'mysql'): Promise<string | undefined> {
  try {
    await adminQuery(name, 'select 1');
    return undefined;
  } catch (error) {
    const url = name === 'postgres' ? POSTGRES_ADMIN_URL : MYSQL_ADMIN_URL;
    const cause = error instanceof Error ? error.message || (error as NodeJS.ErrnoException).code || error.name : String(error);
    return `${name} at ${new URL(url).host} is not usable (${cause})`;
  }
}

const [postgresProblem, mysqlProblem] = await Promise.all([probe('postgres'), probe('mysql')]);

/** Every backend, in the order the suites run. */
export const BACKENDS: readonly Backend[] = [
  { name: 'sqlite', title: 'sqlite', adminUrl: '', available: true, problem: undefined },
  { name: 'postgres', title: 'postgres', adminUrl: POSTGRES_ADMIN_URL, available: postgresProblem === undefined, problem: postgresProblem },
  { name: 'mysql', title: 'mysql', adminUrl: MYSQL_ADMIN_URL, available: mysqlProblem === undefined, problem: mysqlProblem },
];

export function backend(name: BackendName): Backend {
  return BACKENDS.find((candidate) => candidate.name === name) as Backend;
}

/**
 * Call first in a backend's describe block: when its server is missing,
 * registers a skipped test with a notice (or a failing one when services
 * are required) and returns true, so the block registers nothing else.
 */
export function unavailable(backend: Backend): boolean {
  if (backend.available) return false;
  const problem = backend.problem ?? `${backend.name} is not available`;
  if (SERVICES_REQUIRED) {
    it(`needs ${backend.name} (TSGATE_REQUIRE_SERVICES=1)`, () => {
      throw new Error(`${problem}; TSGATE_REQUIRE_SERVICES=1 makes it mandatory`);
    });
  } else {
    console.warn(`Skipping the ${backend.name} tests: ${problem}. Set TSGATE_REQUIRE_SERVICES=1 to make this a failure.`);
    it.skip(`needs ${backend.name}: ${problem}`, () => undefined);
  }
  return true;
}

/** A value from a database row as a number (PostgreSQL gives count(*) as a string). */
export function num(value: unknown): number {
  return Number(value);
}

/** A fresh database on one backend, queried directly (not through tsgate). */
export interface TestDatabase {
  backend: BackendName;
  /** The DATABASE_URL for it. */
  url: string;
  /** Its name on the server, or its file. */
  name: string;
  /** Runs one statement, returning its rows (no parameters: the tests' statements are constants). */
  query<T = Record<string, unknown>>(statement: string): Promise<T[]>;
  /** The tables in it, sorted. */
  tables(): Promise<string[]>;
  /** The columns of a table, sorted. */
  columns(table: string): Promise<string[]>;
  /** The indexes of a table by name, sorted; not the primary key's. */
  indexes(table: string): Promise<string[]>;
  /** `app.name` → checksum, from tsgate_migrations; empty when the table is not there. */
  recorded(): Promise<Map<string, string>>;
  drop(): Promise<void>;
}

const created: TestDatabase[] = [];

/** Drops every database made by this file: `afterAll(dropDatabases)`. */
export async function dropDatabases(): Promise<void> {
  const all = created.splice(0);
  await Promise.allSettled(all.map((database) => database.drop()));
}

function randomName(prefix = 'tsgate_dbtest_'): string {
  return `${prefix}${randomBytes(6).toString('hex')}`;
}

const TABLES: Record<BackendName, string> = {
  sqlite: "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'",
  postgres: "select tablename as name from pg_tables where schemaname = 'public'",
  mysql: 'select table_name as name from information_schema.tables where table_schema = database()',
};

const COLUMNS: Record<BackendName, (table: string) => string> = {
  sqlite: (table) => `select name from pragma_table_info('${table}')`,
  postgres: (table) => `select column_name as name from information_schema.columns where table_schema = 'public' and table_name = '${table}'`,
  mysql: (table) => `select column_name as name from information_schema.columns where table_schema = database() and table_name = '${table}'`,
};

/** A table's indexes by name, the primary key's left out (SQLite's automatic ones for UNIQUE too). */
const INDEXES: Record<BackendName, (table: string) => string> = {
  sqlite: (table) => `select name from pragma_index_list('${table}') where origin = 'c'`,
  postgres: (table) => `select indexname as name from pg_indexes where schemaname = 'public' and tablename = '${table}' and indexname <> '${table}_pkey'`,
  mysql: (table) => `select distinct index_name as name from information_schema.statistics where table_schema = database() and table_name = '${table}' and index_name <> 'PRIMARY'`,
};

function finish(database: Omit<TestDatabase, 'tables' | 'columns' | 'indexes' | 'recorded'>): TestDatabase {
  const full: TestDatabase = {
    ...database,
    async tables() {
      return (await database.query<{ name: string }>(TABLES[database.backend])).map((row) => row.name).sort();
    },
    async columns(table) {
      return (await database.query<{ name: string }>(COLUMNS[database.backend](table))).map((row) => row.name).sort();
    },
    async indexes(table) {
      return (await database.query<{ name: string }>(INDEXES[database.backend](table))).map((row) => row.name).sort();
    },
    async recorded() {
      if (!(await full.tables()).includes('tsgate_migrations')) return new Map();
      const rows = await database.query<{ app: string; name: string; checksum: string }>('select app, name, checksum from tsgate_migrations');
      return new Map(rows.map((row) => [`${row.app}.${row.name}`, row.checksum]));
    },
  };
  created.push(full);
  return full;
}

/**
 * Makes a fresh database: a file in `dir` for SQLite (its URL absolute:
 * sqlite:////dir/name.sqlite3), else CREATE DATABASE with a random name.
 * `create: false` only picks the name (for a test of what creates it); it is
 * dropped afterwards all the same.
 */
export async function freshDatabase(backend: Backend, dir: string, { create = true, prefix = 'tsgate_dbtest_' } = {}): Promise<TestDatabase> {
  const name = randomName(prefix);
  if (backend.name === 'sqlite') {
    const file = join(dir, `${name}.sqlite3`);
    return finish({
      backend: 'sqlite',
      url: `sqlite:///${file}`,
      name: file,
      async query<T>(statement: string) {
        // Opened per statement, so the test holds no lock between commands.
        const connection = new Database(file);
        try {
          const prepared = connection.prepare(statement);
          return (prepared.reader ? prepared.all() : (prepared.run(), [])) as T[];
        } finally {
          connection.close();
        }
      },
      async drop() {},
    });
  }
  if (backend.name === 'postgres') {
    if (create) await adminQuery('postgres', `create database ${name}`);
    const url = withDatabase(POSTGRES_ADMIN_URL, name);
    let client: pg.Client | undefined;
    return finish({
      backend: 'postgres',
      url,
      name,
      async query<T>(statement: string) {
        if (!client) {
          client = new pg.Client({ connectionString: url });
          client.on('error', () => undefined);
          await client.connect();
        }
        return (await client.query(statement)).rows as T[];
      },
      async drop() {
        await client?.end();
        client = undefined;
        await adminQuery('postgres', `drop database if exists ${name} with (force)`);
      },
    });
  }
  if (create) await adminQuery('mysql', `create database ${name}`);
  const url = withDatabase(MYSQL_ADMIN_URL, name);
  let connection: mysql.Connection | undefined;
  return finish({
    backend: 'mysql',
    url,
    name,
    async query<T>(statement: string) {
      connection ??= await mysql.createConnection({ uri: url });
      const [rows] = await connection.query(statement);
      return (Array.isArray(rows) ? rows : []) as T[];
    },
    async drop() {
      await connection?.end();
      connection = undefined;
      await adminQuery('mysql', `drop database if exists ${name}`);
    },
  });
}

/** Registers the file's cleanup; call once at the top of a test file that makes databases. */
export function dropDatabasesAfterAll(): void {
  afterAll(dropDatabases);
}
