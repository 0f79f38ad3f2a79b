/**
 * Runs a migration against a stand-in database that compiles every query
 * for the real backend and records it instead of sending it: the SQL of
 * `sqlmigrate`, and the tables an initial migration creates for
 * `migrate --fake-initial`. Reads return no rows, so a migration that
 * branches on data shows its no-data path.
 */
import {
  Kysely,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
} from '../kysely.js';
import type { Backend } from '../url.js';
import type { MigrationDb } from './types.js';

class RecordingDriver implements Driver {
  constructor(private readonly queries: CompiledQuery[]) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    const queries = this.queries;
    return {
      async executeQuery(query) {
        queries.push(query);
        return { rows: [] };
      },
      // Streams nothing, as reads return nothing.
      async *streamQuery(query) {
        queries.push(query);
      },
    };
  }
  async beginTransaction(): Promise<void> {}
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

function recordingDialect(backend: Backend, queries: CompiledQuery[]): Dialect {
  const driver = () => new RecordingDriver(queries);
  if (backend === 'postgres') {
    return { createAdapter: () => new PostgresAdapter(), createDriver: driver, createIntrospector: (db) => new PostgresIntrospector(db), createQueryCompiler: () => new PostgresQueryCompiler() };
  }
  if (backend === 'mysql') {
    return { createAdapter: () => new MysqlAdapter(), createDriver: driver, createIntrospector: (db) => new MysqlIntrospector(db), createQueryCompiler: () => new MysqlQueryCompiler() };
  }
  return { createAdapter: () => new SqliteAdapter(), createDriver: driver, createIntrospector: (db) => new SqliteIntrospector(db), createQueryCompiler: () => new SqliteQueryCompiler() };
}

/** The queries `work` would run on `backend`, in order. */
export async function captureQueries(backend: Backend, work: (db: MigrationDb) => Promise<void>): Promise<CompiledQuery[]> {
  const queries: CompiledQuery[] = [];
  const db: MigrationDb = new Kysely({ dialect: recordingDialect(backend, queries) });
  await work(db);
  return queries;
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return `'${value.toISOString()}'`;
  return `'${String(value).replace(/'/g, "''")}'`;
}

/** A query as one statement, its parameters written in as literals (for reading, not for running). */
export function statementText(query: CompiledQuery): string {
  let index = 0;
  // Quoted strings and names are skipped; with $n placeholders (PostgreSQL) a ? is an operator.
  const quoted = /'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`/g;
  const numbered = /\$\d/.test(query.sql.replace(quoted, ''));
  const text = query.sql.replace(new RegExp(`${quoted.source}|\\$(\\d+)|\\?`, 'g'), (match, position: string | undefined) => {
    if (/^['"`]/.test(match) || query.parameters.length === 0 || (numbered && position === undefined)) return match;
    const value = position === undefined ? query.parameters[index++] : query.parameters[Number(position) - 1];
    return literal(value);
  });
  return `${text.trim()};`;
}

/** The tables a migration's queries create: from Kysely's createTable, or raw `create table` SQL. */
export function createdTables(queries: readonly CompiledQuery[]): string[] {
  const names = queries.flatMap((query) => {
    const match = /^\s*create\s+table\s+(?:if\s+not\s+exists\s+)?(?:["`]?\w+["`]?\.)?["`]?(\w+)["`]?/i.exec(query.sql);
    return match?.[1] ? [match[1]] : [];
  });
  return [...new Set(names)];
}
