/**
 * Test databases, after Django's test runner: `manage test` makes a fresh
 * database beside each one in DATABASES (`test_<name>` on the same server;
 * a temporary file for SQLite), the tests run against it, and it is dropped
 * afterwards, so tests never touch the development or production data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Settings } from '../conf/types.js';
import { connectionError, getConnection } from './connections.js';
import { sqlitePath } from './dialects.js';
import { parseDatabaseUrl, type ServerTarget } from './url.js';

export interface TestDatabase {
  alias: string;
  /** The URL the tests use instead of DATABASES[alias].URL. */
  url: string;
  /** Where it is, for messages: `test_site` or a file path. */
  name: string;
  destroy(): Promise<void>;
}

function quoted(target: ServerTarget, name: string): string {
  return target.backend === 'mysql' ? `\`${name.replace(/`/g, '``')}\`` : `"${name.replace(/"/g, '""')}"`;
}

function sqliteTestDatabase(alias: string, filename: string, keep: boolean, baseDir: string): TestDatabase {
  if (keep && filename !== ':memory:') {
    const path = join(dirname(sqlitePath({ backend: 'sqlite', filename }, baseDir)), `test_${filename.split('/').at(-1) ?? 'db.sqlite3'}`);
    return { alias, url: `sqlite:///${path}`, name: path, destroy: async () => undefined };
  }
  const folder = mkdtempSync(join(tmpdir(), 'tsgate-test-db-'));
  const path = join(folder, 'test.sqlite3');
  return { alias, url: `sqlite:///${path}`, name: path, destroy: async () => rmSync(folder, { recursive: true, force: true }) };
}

/** Whether the server has a database `name` (PostgreSQL has no CREATE DATABASE IF NOT EXISTS). */
async function exists(db: Kysely<unknown>, target: ServerTarget, name: string): Promise<boolean> {
  const query =
    target.backend === 'postgres'
      ? sql`select 1 from pg_database where datname = ${name}`
      : sql`select 1 from information_schema.schemata where schema_name = ${name}`;
  return (await query.execute(db)).rows.length > 0;
}

async function serverTestDatabase(alias: string, url: string, target: ServerTarget, keep: boolean): Promise<TestDatabase> {
  const name = `test_${target.database}`;
  // The connection is looked up on each use: the caller closes every pool between making and dropping.
  const run = async (statement: string) => {
    const connection = getConnection(alias);
    try {
      await sql.raw(statement).execute(connection.db);
    } catch (error) {
      throw connectionError(connection, error);
    }
  };
  if (!keep) await run(`drop database if exists ${quoted(target, name)}`);
  if (!keep || !(await exists(getConnection(alias).db, target, name))) await run(`create database ${quoted(target, name)}`);
  const testUrl = new URL(url);
  testUrl.pathname = `/${encodeURIComponent(name)}`;
  return { alias, url: testUrl.href, name, destroy: async () => (keep ? undefined : run(`drop database if exists ${quoted(target, name)}`)) };
}

/** Makes one test database per alias; `keep` reuses them between runs (`--keepdb`). */
export async function createTestDatabases(settings: Readonly<Settings>, keep: boolean): Promise<TestDatabase[]> {
  const made: TestDatabase[] = [];
  try {
    for (const [alias, entry] of Object.entries(settings.DATABASES)) {
      const target = parseDatabaseUrl(entry.URL);
      made.push(
        target.backend === 'sqlite'
          ? sqliteTestDatabase(alias, target.filename, keep, settings.BASE_DIR ?? process.cwd())
          : await serverTestDatabase(alias, entry.URL, target, keep),
      );
    }
  } catch (error) {
    // The ones already made go again, so a failure leaves no stray test database behind.
    for (const database of made) await database.destroy().catch(() => undefined);
    throw error;
  }
  return made;
}
