/**
 * `import { db, connection } from 'tsgate/db'` in project code, in-process:
 * settings configured from a module, queries on SQLite through the `db`
 * stand-in and `connection(alias)`, and the PRAGMAs every SQLite connection
 * is opened with.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configure, resetForTests } from '../../src/runtime/conf/settings.js';
import { checkConnection, closeConnections, connection, DatabaseError, db, sql } from '../../src/runtime/db/index.js';
import { SQLITE_BUSY_TIMEOUT_MS } from '../../src/runtime/db/sqlite.js';
import { tempDir } from '../helpers/process.js';

let base = '';

beforeAll(() => {
  resetForTests();
  base = tempDir('tsgate-db-module-');
  writeFileSync(join(base, 'package.json'), '{"type": "module", "private": true}\n');
  writeFileSync(
    join(base, 'settings.mjs'),
    [
      `export const BASE_DIR = ${JSON.stringify(base)};`,
      'export const DEBUG = true;',
      "export const INSTALLED_APPS = [];",
      "export const ROOT_URLCONF = 'urls';",
      "export const WSGI_APPLICATION = 'wsgi:application';",
      'export const DATABASES = {',
      "  default: { URL: 'sqlite:///site.sqlite3' },",
      "  other: { URL: 'sqlite://:memory:' },",
      "  slow: { URL: 'sqlite:///slow.sqlite3', CONNECT_TIMEOUT: 3 },",
      '};',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await closeConnections();
  resetForTests();
  rmSync(base, { recursive: true, force: true });
});

async function pragma(alias: string, name: string): Promise<unknown> {
  const { rows } = await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(connection(alias));
  return Object.values(rows[0] ?? {})[0];
}

describe('tsgate/db', () => {
  it('db can be imported before the settings are loaded, and says so if used then', () => {
    expect(() => db.selectFrom('anything' as never)).toThrow(/read before the settings were loaded/);
  });

  it('queries the default database through db, a SQLite file relative to BASE_DIR', async () => {
    await configure(join(base, 'settings.mjs'));
    const untyped = db as unknown as import('kysely').Kysely<{ notes: { id: number; body: string } }>;
    await untyped.schema.createTable('notes').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('body', 'text').execute();
    await untyped.insertInto('notes').values([{ id: 1, body: 'first' }, { id: 2, body: 'second' }]).execute();
    const rows = await untyped.selectFrom('notes').select(['id', 'body']).where('id', '>', 1).execute();
    expect(rows).toEqual([{ id: 2, body: 'second' }]);
    expect(existsSync(join(base, 'site.sqlite3'))).toBe(true);
    // The same Kysely every time, and db is bound to it.
    expect(connection()).toBe(connection('default'));
    const { rows: counted } = await sql<{ n: number }>`select count(*) as n from notes`.execute(db);
    expect(counted).toEqual([{ n: 2 }]);
  });

  it('connection(alias) is another database', async () => {
    const other = connection('other') as unknown as import('kysely').Kysely<Record<string, never>>;
    expect(other).not.toBe(connection());
    const tables = (await other.introspection.getTables()).map((table) => table.name);
    expect(tables).toEqual([]);
    await checkConnection('other');
    await checkConnection();
  });

  it('an alias not in DATABASES is a DatabaseError naming the ones there are', () => {
    expect(() => connection('nope')).toThrow(DatabaseError);
    expect(() => connection('nope')).toThrow("There is no database 'nope' in DATABASES (it has: default, other, slow).");
  });

  it('opens SQLite files with WAL, foreign keys on and no SQLite busy timeout (a held lock is waited for between turns of the event loop, up to CONNECT_TIMEOUT)', async () => {
    expect(await pragma('default', 'journal_mode')).toBe('wal');
    expect(await pragma('default', 'foreign_keys')).toBe(1);
    expect(await pragma('default', 'busy_timeout')).toBe(SQLITE_BUSY_TIMEOUT_MS);
    expect(await pragma('slow', 'busy_timeout')).toBe(SQLITE_BUSY_TIMEOUT_MS);
    expect(await pragma('slow', 'journal_mode')).toBe('wal');
    // An in-memory database has no WAL, but the same foreign keys.
    expect(await pragma('other', 'journal_mode')).toBe('memory');
    expect(await pragma('other', 'foreign_keys')).toBe(1);
  });

  it('enforces foreign keys', async () => {
    const raw = connection('slow');
    await sql`create table parent (id integer primary key)`.execute(raw);
    await sql`create table child (id integer primary key, parent_id integer not null references parent (id))`.execute(raw);
    await sql`insert into parent (id) values (1)`.execute(raw);
    await sql`insert into child (id, parent_id) values (1, 1)`.execute(raw);
    await expect(sql`insert into child (id, parent_id) values (2, 99)`.execute(raw)).rejects.toThrow(/FOREIGN KEY constraint failed/);
  });

  it('after closeConnections, db opens the database again on next use', async () => {
    await closeConnections();
    const { rows } = await sql<{ n: number }>`select count(*) as n from notes`.execute(db);
    expect(rows).toEqual([{ n: 2 }]);
  });
});
