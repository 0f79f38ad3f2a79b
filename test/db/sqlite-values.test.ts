/**
 * Values better-sqlite3 cannot bind itself go in as SQLite keeps them: a
 * boolean (a `field.boolean()` value) as 1/0, a Date as UTC text that
 * compares with CURRENT_TIMESTAMP's.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Kysely, sql, type ColumnType } from '../../src/runtime/db/kysely.js';
import { sqliteDialect } from '../../src/runtime/db/sqlite.js';
import { tempDir } from '../helpers/process.js';

const dir = tempDir('tsgate-sqlite-values-');
const db = new Kysely<{ note: { id: number; done: boolean | number; at: ColumnType<Date | string, Date | string | undefined> } }>({
  dialect: sqliteDialect({ backend: 'sqlite', filename: join(dir, 'values.sqlite3') } as never, {
    where: "DATABASES['default']",
    baseDir: dir,
    busyTimeout: 5,
    driverOptions: {},
    driver: async () => (await import('better-sqlite3')).default,
  }),
});
afterAll(() => db.destroy());

describe('SQLite parameters', () => {
  it('binds booleans as 1/0 and Dates as UTC text, in inserts and in where clauses', async () => {
    await sql`create table note (id integer primary key, done boolean not null, at datetime not null default CURRENT_TIMESTAMP)`.execute(db);
    const at = new Date(Date.UTC(2024, 0, 31, 12, 30, 5, 250));
    await db.insertInto('note').values({ id: 1, done: true, at }).execute();
    await db.insertInto('note').values({ id: 2, done: false }).execute();
    expect(await db.selectFrom('note').select(['id', 'done', 'at']).where('done', '=', true).execute()).toEqual([{ id: 1, done: 1, at: '2024-01-31 12:30:05.250' }]);
    const later = await db.selectFrom('note').select('id').where('at', '>', at).execute();
    expect(later).toEqual([{ id: 2 }]);
  });
});
