/**
 * Test databases, after Django's test runner: `manage test` makes a fresh
 * database beside each one in DATABASES (`test_<name>` on the same server;
 * a temporary file for SQLite), the tests run against it, and it is dropped
 * afterwards, so tests never touch the development or production data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sql } from './kysely.js';
import type { Settings } from '../conf/types.js';
import { quoteName, serverHasDatabase } from './admin.js';
import { connectionError, getConnection } from './connections.js';
import { DatabaseError } from './errors.js';
import { sqlitePath } from './dialects.js';
import { parseDatabaseUrl, type DatabaseTarget, type ServerTarget } from './url.js';

export interface TestDatabase {
  alias: string;
  /** The URL the tests use instead of DATABASES[alias].URL. */
  url: string;
  /** Where it is, for messages: `test_site` or a file path. */
  name: string;
  /** The alias whose test database this one shares, when both name the same database. */
  sameAs?: string;
  destroy(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Reuse the test databases that exist and keep them afterwards (`--keepdb`). */
  keep: boolean;
  /**
   * Asked when a server already has the test database, left by an earlier
   * run that was stopped, and `keep` is off: true drops it and makes it
   * afresh, false cancels the run and leaves it.
   */
  replaceExisting(alias: string, name: string): Promise<boolean>;
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

async function serverTestDatabase(alias: string, url: string, target: ServerTarget, options: TestDatabaseOptions): Promise<TestDatabase> {
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
  const drop = () => run(`drop database if exists ${quoteName(target.backend, name)}`);
  const existed = await serverHasDatabase(getConnection(alias).db, target.backend, name);
  if (existed && !options.keep) {
    if (!(await options.replaceExisting(alias, name))) throw new DatabaseError(`Tests cancelled: the test database '${name}' is left as it was.`);
    await drop();
  }
  if (!existed || !options.keep) await run(`create database ${quoteName(target.backend, name)}`);
  const testUrl = new URL(url);
  testUrl.pathname = `/${encodeURIComponent(name)}`;
  return { alias, url: testUrl.href, name, destroy: async () => (options.keep ? undefined : drop()) };
}

/** What makes two aliases the same database, as Django's test signature: the server and the name, or the file. */
function signature(target: DatabaseTarget, baseDir: string): string {
  if (target.backend === 'sqlite') return target.filename === ':memory:' ? '' : `sqlite:${sqlitePath(target, baseDir)}`;
  return `${target.backend}://${target.host}:${target.port}/${target.database}`;
}

/**
 * Makes one test database per database in DATABASES (see
 * TestDatabaseOptions); aliases naming the same database share one, made
 * and dropped once.
 */
export async function createTestDatabases(settings: Readonly<Settings>, options: TestDatabaseOptions): Promise<TestDatabase[]> {
  const made: TestDatabase[] = [];
  const bySignature = new Map<string, TestDatabase>();
  const baseDir = settings.BASE_DIR ?? process.cwd();
  try {
    for (const [alias, entry] of Object.entries(settings.DATABASES)) {
      const target = parseDatabaseUrl(entry.URL);
      const key = signature(target, baseDir);
      const same = key === '' ? undefined : bySignature.get(key);
      if (same) {
        made.push({ alias, url: same.url, name: same.name, sameAs: same.alias, destroy: async () => undefined });
        continue;
      }
      const database =
        target.backend === 'sqlite'
          ? sqliteTestDatabase(alias, target.filename, options.keep, baseDir)
          : await serverTestDatabase(alias, entry.URL, target, options);
      made.push(database);
      if (key !== '') bySignature.set(key, database);
    }
  } catch (error) {
    // The ones already made go again, so a failure leaves no stray test database behind.
    for (const database of made) await database.destroy().catch(() => undefined);
    throw error;
  }
  return made;
}
