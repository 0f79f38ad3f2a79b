/**
 * SQLite's ALTER TABLE cannot change a column's type, nullability or
 * default, nor drop a foreign key column: the table is rebuilt instead, as
 * SQLite's documentation and Django do. A new table is made with the new
 * shape, the rows are copied, the old table dropped and the new one renamed,
 * then its indexes are made again; all inside the migration's savepoint,
 * with foreign keys checked at the end (migrate turns their enforcement off
 * for the run, so dropping the old table deletes nothing that refers to it).
 */
import { sql, type RawBuilder } from '../../kysely.js';
import { columnName } from '../../models/model.js';
import { DatabaseError } from '../../errors.js';
import type { MigrationDb } from '../types.js';
import { createIndex, createTable, fillExpression } from './ddl.js';
import { modelIndexes } from './indexes.js';
import type { ModelState, ProjectState } from './state.js';

/**
 * Rebuilds `from` as `to` (same table name). Each new field's value comes
 * from `copy` (by field name) when given there, else from the old field of
 * the same name, else from its default, else NULL.
 */
export async function rebuildTable(db: MigrationDb, state: ProjectState, from: ModelState, to: ModelState, copy: Readonly<Record<string, RawBuilder<unknown>>> = {}): Promise<void> {
  const temporary = `new__${to.table}`;
  await createTable(db, 'sqlite', state, to, temporary);
  const columns: RawBuilder<unknown>[] = [];
  const values: RawBuilder<unknown>[] = [];
  for (const [name, spec] of Object.entries(to.fields)) {
    const old = from.fields[name];
    let value = copy[name];
    if (!value && old) {
      const source = sql.id(columnName(name, old));
      // A column made NOT NULL with a default: the rows' NULLs take the default.
      value = !spec.null && old.null && spec.default !== undefined ? sql`coalesce(${source}, ${fillExpression(spec, spec.default, 'sqlite')})` : sql`${source}`;
    }
    if (!value && spec.default !== undefined) value = fillExpression(spec, spec.default, 'sqlite');
    if (!value && spec.primaryKey) continue;
    columns.push(sql.id(columnName(name, spec)));
    values.push(value ?? sql`null`);
  }
  if (columns.length > 0) {
    await sql`insert into ${sql.id(temporary)} (${sql.join(columns)}) select ${sql.join(values)} from ${sql.id(from.table)}`.execute(db);
  }
  await db.schema.dropTable(from.table).execute();
  await db.schema.alterTable(temporary).renameTo(to.table).execute();
  for (const index of modelIndexes(to)) await createIndex(db, index);
  const { rows } = await sql<{ table: string; parent: string }>`pragma foreign_key_check`.execute(db);
  if (rows.length > 0) {
    const where = [...new Set(rows.map((row) => `${row.table} → ${row.parent}`))].join(', ');
    throw new DatabaseError(`Rebuilding ${to.table} left rows whose foreign key points to no row (${where}); fix the data, then migrate again.`);
  }
}
