/**
 * Server-level work on a database rather than in it: whether the server has
 * a database, and creating the one DATABASES names, as Rails' db:create —
 * over the server's maintenance database (PostgreSQL: `postgres`, else
 * `template1`; MySQL: none), since the one to create cannot be connected to.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { settings } from '../conf/settings.js';
import { sql, type Kysely } from './kysely.js';
import { checkConnection, connectionError, getConnection, openConnection, type Connection } from './connections.js';
import { sqlitePath } from './dialects.js';
import { DatabaseError } from './errors.js';
import type { ServerTarget } from './url.js';

/** A database name as an identifier in SQL. */
export function quoteName(backend: ServerTarget['backend'], name: string): string {
  return backend === 'mysql' ? `\`${name.replace(/`/g, '``')}\`` : `"${name.replace(/"/g, '""')}"`;
}

/** Whether the server has a database `name` (PostgreSQL has no CREATE DATABASE IF NOT EXISTS). */
export async function serverHasDatabase(db: Kysely<unknown>, backend: ServerTarget['backend'], name: string): Promise<boolean> {
  const query =
    backend === 'postgres'
      ? sql`select 1 from pg_database where datname = ${name}`
      : sql`select 1 from information_schema.schemata where schema_name = ${name}`;
  return (await query.execute(db)).rows.length > 0;
}

export interface Created {
  outcome: 'created' | 'exists' | 'in-memory';
  /** What was (or would have been) created: `the database 'site' on postgres://app@db:5432`, `the SQLite database /app/data/db.sqlite3`. */
  what: string;
}

/** The driver's error code: PostgreSQL's SQLSTATE (`42P04`), mysql2's name (`ER_DB_CREATE_EXISTS`), or node's (`ECONNREFUSED`). */
function codeOf(error: unknown): string {
  return String((error as { code?: unknown }).code ?? '');
}

/** PostgreSQL's and MySQL's codes for "no such database", "no right to it" and "it exists already". */
const MISSING = new Set(['3D000', 'ER_BAD_DB_ERROR']);
const DENIED = new Set(['42501', 'ER_DBACCESS_DENIED_ERROR']);
const EXISTS = new Set(['42P04', 'ER_DB_CREATE_EXISTS']);

/** Creates the database of DATABASES[alias] if it does not exist yet; a DatabaseError says why it could not. */
export async function createDatabase(alias = 'default'): Promise<Created> {
  const connection = getConnection(alias);
  const { target } = connection;
  if (target.backend === 'sqlite') return createSqliteFile(alias, target.filename);
  const what = `the database '${target.database}' on ${target.backend}://${target.user}@${target.host}:${target.port}`;
  // A database one can connect to exists, whatever the rights on the maintenance database.
  try {
    await sql`select 1`.execute(connection.db);
    return { outcome: 'exists', what };
  } catch (error) {
    if (!MISSING.has(codeOf(error)) && !DENIED.has(codeOf(error))) throw connectionError(connection, error);
  }
  return (await createOnServer(alias, target, what)) ? { outcome: 'created', what } : { outcome: 'exists', what };
}

/** Runs CREATE DATABASE from a maintenance database; false when the server already had it. */
async function createOnServer(alias: string, target: ServerTarget, what: string): Promise<boolean> {
  // No `postgres` database, or no right to connect to it: template1 is the fallback, as for Django.
  const maintenance = target.backend === 'postgres' ? ['postgres', 'template1'] : [''];
  const server = `${target.backend}://${target.user}@${target.host}:${target.port}`;
  for (const [index, database] of maintenance.entries()) {
    const admin: Connection<unknown> = { ...openConnection(alias, { ...target, database }), label: server };
    try {
      let exists: boolean;
      try {
        exists = await serverHasDatabase(admin.db, target.backend, target.database);
      } catch (error) {
        const code = codeOf(error);
        if (index < maintenance.length - 1 && (MISSING.has(code) || DENIED.has(code))) continue;
        throw connectionError(admin, error);
      }
      if (exists) return false;
      try {
        await sql.raw(`create database ${quoteName(target.backend, target.database)}${target.backend === 'mysql' ? ' character set utf8mb4' : ''}`).execute(admin.db);
        return true;
      } catch (error) {
        if (EXISTS.has(codeOf(error))) return false; // made by another process since the check
        throw DENIED.has(codeOf(error)) ? notAllowed(target, what, error) : connectionError(admin, error);
      }
    } finally {
      await admin.db.destroy();
    }
  }
  throw new DatabaseError(`Cannot create ${what}: the server has no maintenance database to connect to.`);
}

/** The user may not create databases: say who may, and what to run. */
function notAllowed(target: ServerTarget, what: string, error: unknown): DatabaseError {
  const reason = (error as Error).message;
  const fix =
    target.backend === 'postgres'
      ? `ask an administrator to run CREATE DATABASE ${quoteName('postgres', target.database)} OWNER ${quoteName('postgres', target.user)}, or to let the user create databases (ALTER ROLE ${quoteName('postgres', target.user)} CREATEDB)`
      : `ask an administrator to run CREATE DATABASE ${quoteName('mysql', target.database)} CHARACTER SET utf8mb4 and GRANT ALL PRIVILEGES ON ${quoteName('mysql', target.database)}.* TO the user '${target.user}'`;
  return new DatabaseError(`The user '${target.user}' may not create ${what} (${reason}): ${fix}.`);
}

/** SQLite makes the file when it is first opened; its folder is made here (as Rails does). */
async function createSqliteFile(alias: string, filename: string): Promise<Created> {
  if (filename === ':memory:') return { outcome: 'in-memory', what: `DATABASES['${alias}'] (sqlite://:memory:)` };
  const path = sqlitePath({ backend: 'sqlite', filename }, settings.BASE_DIR ?? process.cwd());
  if (existsSync(path)) return { outcome: 'exists', what: `the SQLite database ${path}` };
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new DatabaseError(`DATABASES['${alias}']: cannot make the folder of the SQLite file ${path}: ${(error as Error).message}`);
  }
  await checkConnection(alias);
  return { outcome: 'created', what: `the SQLite database ${path}` };
}
