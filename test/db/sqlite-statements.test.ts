/**
 * The SQLite connection keeps its prepared statements (db/sqlite.ts): the
 * same SQL text is prepared once, and a statement kept from before a schema
 * change still sees the schema as it is now.
 */
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Kysely, sql } from '../../src/runtime/db/kysely.js';
import { sqliteDialect } from '../../src/runtime/db/sqlite.js';
import { tempDir } from '../helpers/process.js';

const dir = tempDir('tsgate-sqlite-statements-');
const prepared: string[] = [];
const db = new Kysely<{ item: { id: number; name: string; size?: number } }>({
  dialect: sqliteDialect({ backend: 'sqlite', filename: join(dir, 'statements.sqlite3') } as never, {
    where: "DATABASES['default']",
    baseDir: dir,
    busyTimeout: 5,
    driverOptions: {},
    // The real driver, with prepare() counted.
    driver: async () => {
      const Driver = (await import('better-sqlite3')).default;
      return class extends Driver {
        override prepare<P extends unknown[] | {} = unknown[], R = unknown>(source: string): BetterSqlite3.Statement<P, R> {
          prepared.push(source);
          return super.prepare<P, R>(source);
        }
      } as unknown as typeof Driver;
    },
  }),
});
afterAll(() => db.destroy());

describe('SQLite statements', () => {
  it('prepares the same SQL once, whatever the values; reads and writes answer as before', async () => {
    await sql`create table item (id integer primary key, name text not null)`.execute(db);
    for (let id = 1; id <= 5; id++) {
      const inserted = await db.insertInto('item').values({ id, name: `item ${id}` }).executeTakeFirstOrThrow();
      expect(inserted.insertId).toBe(BigInt(id));
    }
    for (let id = 1; id <= 5; id++) expect(await db.selectFrom('item').select('name').where('id', '=', id).executeTakeFirst()).toEqual({ name: `item ${id}` });
    const updated = await db.updateTable('item').set({ name: 'renamed' }).where('id', '>', 3).executeTakeFirstOrThrow();
    expect(updated.numUpdatedRows).toBe(2n);
    const count = (text: string) => prepared.filter((source) => source === text).length;
    expect(count('insert into "item" ("id", "name") values (?, ?)')).toBe(1);
    expect(count('select "name" from "item" where "id" = ?')).toBe(1);
  });

  it('a kept statement sees a column added after it was prepared', async () => {
    const all = () => db.selectFrom('item').selectAll().where('id', '=', 1).executeTakeFirst();
    expect(await all()).toEqual({ id: 1, name: 'item 1' });
    await sql`alter table item add column size integer not null default 7`.execute(db);
    expect(await all()).toEqual({ id: 1, name: 'item 1', size: 7 });
    expect(prepared.filter((source) => source === 'select * from "item" where "id" = ?').length).toBe(1);
  });
});
