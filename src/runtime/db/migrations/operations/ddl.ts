/**
 * The building blocks of the schema changes, through Kysely's schema
 * builder: a column's definition and default on each backend, a table with
 * its foreign keys, an index made or dropped, a foreign key found and
 * dropped (by asking the database, as its name is the database's own).
 */
import { sql, type ColumnDefinitionBuilder, type RawBuilder } from '../../kysely.js';
import { columnType } from '../../models/columns.js';
import type { FieldSpec, JsonValue } from '../../models/fields.js';
import { columnName } from '../../models/model.js';
import type { Backend } from '../../url.js';
import type { MigrationDb } from '../migration-db.js';
import { foreignKeyName, type IndexDef } from './indexes.js';
import { primaryKey, primaryKeyColumn, type ModelState, type ProjectState } from './state.js';

/** The primary key a foreign key points to (the type its column takes). */
export function targetKey(state: ProjectState, spec: FieldSpec): FieldSpec | undefined {
  if (spec.kind !== 'foreignKey' || !spec.to) return undefined;
  const target = state.models.get(spec.to);
  const key = target && primaryKey(target);
  if (!key) throw new Error(`The foreign key to ${spec.to} points to no model with a primary key at this point of the migrations.`);
  return key[1];
}

export function typeOf(state: ProjectState, spec: FieldSpec, backend: Backend): string {
  return columnType(spec, backend, targetKey(state, spec));
}

/** A value as a SQL literal: JSON as its text, booleans as 1/0 where there is no boolean type. */
export function literal(spec: FieldSpec, value: JsonValue, backend: Backend): RawBuilder<unknown> {
  if (value === null) return sql`null`;
  if (spec.kind === 'json') return sql.lit(JSON.stringify(value));
  if (typeof value === 'boolean' && backend !== 'postgres') return sql.lit(value ? 1 : 0);
  if (typeof value === 'object') return sql.lit(JSON.stringify(value));
  return sql.lit(value);
}

/** The column's DEFAULT: a literal, or the current date/time for `'now'`; MySQL wants an expression in parentheses for text and JSON. */
export function defaultExpression(spec: FieldSpec, value: JsonValue, backend: Backend): RawBuilder<unknown> {
  if (value === 'now' && spec.kind === 'timestamp') return backend === 'mysql' ? sql`CURRENT_TIMESTAMP(6)` : sql`CURRENT_TIMESTAMP`;
  if (value === 'now' && spec.kind === 'date') return backend === 'mysql' ? sql`(CURRENT_DATE)` : sql`CURRENT_DATE`;
  const plain = literal(spec, value, backend);
  return backend === 'mysql' && (spec.kind === 'text' || spec.kind === 'json') ? sql`(${plain})` : plain;
}

/** The value a one-off default gives existing rows (the current time for `'now'`). */
export function fillExpression(spec: FieldSpec, value: JsonValue, backend: Backend): RawBuilder<unknown> {
  if (value === 'now' && (spec.kind === 'timestamp' || spec.kind === 'date')) return spec.kind === 'date' ? sql`CURRENT_DATE` : sql`CURRENT_TIMESTAMP`;
  return literal(spec, value, backend);
}

/** A column's definition: primary key and auto-increment, NOT NULL, DEFAULT (`fill` in place of the field's own). */
export function columnDefinition(spec: FieldSpec, backend: Backend, fill: JsonValue | undefined = spec.default) {
  return (column: ColumnDefinitionBuilder): ColumnDefinitionBuilder => {
    let built = column;
    if (spec.primaryKey) {
      built = built.primaryKey();
      if (spec.kind === 'id' || spec.kind === 'bigId') built = backend === 'postgres' ? built.generatedByDefaultAsIdentity() : built.autoIncrement();
    } else if (!spec.null) {
      built = built.notNull();
    }
    if (fill !== undefined) built = built.defaultTo(defaultExpression(spec, fill, backend));
    return built;
  };
}

/**
 * Creates the model's table (named `as`, for SQLite's rebuild); not its
 * indexes. The foreign keys are in the CREATE TABLE except on MySQL/MariaDB
 * (`foreignKeys: false`), where InnoDB would make an index of its own for
 * each one that has none yet, beside the one the model's state names: there
 * they are added after the indexes (addForeignKey), which InnoDB then uses.
 */
export async function createTable(db: MigrationDb, backend: Backend, state: ProjectState, model: ModelState, as = model.table, foreignKeys = backend !== 'mysql'): Promise<void> {
  let builder = db.schema.createTable(as);
  for (const [name, spec] of Object.entries(model.fields)) {
    builder = builder.addColumn(columnName(name, spec), sql.raw(typeOf(state, spec, backend)), columnDefinition(spec, backend));
  }
  for (const [name, spec] of Object.entries(foreignKeys ? model.fields : {})) {
    if (spec.kind !== 'foreignKey' || !spec.to) continue;
    const column = columnName(name, spec);
    const target = spec.to === model.table ? model : state.model(spec.to, `The foreign key ${model.table}.${name}`);
    // The builder types its columns from the ones added; they are known only at run time here.
    builder = builder.addForeignKeyConstraint(foreignKeyName(model.table, column), [column] as never[], spec.to, [primaryKeyColumn(target)], (fk) => fk.onDelete(spec.onDelete ?? 'cascade'));
  }
  await builder.execute();
}

/** Adds a foreign key to an existing table (PostgreSQL, MySQL). */
export async function addForeignKey(db: MigrationDb, state: ProjectState, model: ModelState, name: string): Promise<void> {
  const spec = model.fields[name];
  if (!spec?.to) return;
  const column = columnName(name, spec);
  const target = spec.to === model.table ? model : state.model(spec.to, `The foreign key ${model.table}.${name}`);
  await db.schema
    .alterTable(model.table)
    .addForeignKeyConstraint(foreignKeyName(model.table, column), [column], spec.to, [primaryKeyColumn(target)], (fk) => fk.onDelete(spec.onDelete ?? 'cascade'))
    .execute();
}

/** Drops the foreign keys on `column` (PostgreSQL, MySQL), found in information_schema. */
export async function dropForeignKeys(db: MigrationDb, backend: Backend, table: string, column: string): Promise<void> {
  const schema = backend === 'postgres' ? sql`current_schema()` : sql`database()`;
  const { rows } = await sql<{ name: string }>`select tc.constraint_name as name
    from information_schema.table_constraints tc
    join information_schema.key_column_usage kcu on kcu.constraint_name = tc.constraint_name and kcu.table_schema = tc.table_schema and kcu.table_name = tc.table_name
    where tc.constraint_type = 'FOREIGN KEY' and tc.table_schema = ${schema} and tc.table_name = ${table} and kcu.column_name = ${column}`.execute(db);
  for (const { name } of rows) {
    await (backend === 'postgres' ? sql`alter table ${sql.id(table)} drop constraint ${sql.id(name)}` : sql`alter table ${sql.id(table)} drop foreign key ${sql.id(name)}`).execute(db);
  }
}

export async function createIndex(db: MigrationDb, index: IndexDef): Promise<void> {
  let builder = db.schema.createIndex(index.name).on(index.table).columns(index.columns);
  if (index.unique) builder = builder.unique();
  await builder.execute();
}

export async function dropIndex(db: MigrationDb, backend: Backend, index: IndexDef, table = index.table): Promise<void> {
  const builder = db.schema.dropIndex(index.name);
  await (backend === 'mysql' ? builder.on(table) : builder).execute();
}
