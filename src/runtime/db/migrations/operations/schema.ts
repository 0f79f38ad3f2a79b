/**
 * Each operation's schema change on each backend, forwards and backwards.
 * PostgreSQL and MySQL/MariaDB alter in place; SQLite alters what its
 * ALTER TABLE can and rebuilds the table for the rest (sqlite-rebuild.ts).
 * Every function takes the state before and after the change: going
 * backwards is the same change with the states swapped.
 */
import { sql } from '../../kysely.js';
import type { FieldSpec, JsonValue } from '../../models/fields.js';
import { columnName } from '../../models/model.js';
import type { Backend } from '../../url.js';
import { DatabaseError } from '../../errors.js';
import type { MigrationDb } from '../migration-db.js';
import { addForeignKey, columnDefinition, createIndex, createTable, defaultExpression, dropForeignKeys, dropIndex, fillExpression, typeOf } from './ddl.js';
import { modelIndexes } from './indexes.js';
import type { Operation } from './operations.js';
import { rebuildTable } from './sqlite-rebuild.js';
import { primaryKeyColumn, sameSpec, type ModelState, type ProjectState } from './state.js';

interface Change {
  db: MigrationDb;
  backend: Backend;
  /** The state before the change, and after it. */
  from: ProjectState;
  to: ProjectState;
}

/** Makes the indexes `to` has and `from` has not, and drops those `from` has and `to` has not. */
async function dropIndexes(change: Change, from: ModelState, to: ModelState | undefined, table = from.table): Promise<void> {
  const kept = new Set(to ? modelIndexes(to).map((index) => index.name) : []);
  for (const index of modelIndexes(from)) if (!kept.has(index.name)) await dropIndex(change.db, change.backend, index, table);
}

async function createIndexes(change: Change, from: ModelState | undefined, to: ModelState): Promise<void> {
  const had = new Set(from ? modelIndexes(from).map((index) => index.name) : []);
  for (const index of modelIndexes(to)) if (!had.has(index.name)) await createIndex(change.db, index);
}

async function createModel(change: Change, table: string): Promise<void> {
  const model = change.to.model(table, 'Create model');
  await createTable(change.db, change.backend, change.to, model);
  await createIndexes(change, undefined, model);
  // MySQL/MariaDB: the foreign keys once their indexes are there, so InnoDB makes no second index of its own (ddl.ts).
  if (change.backend === 'mysql') for (const name of Object.keys(model.fields)) await addForeignKey(change.db, change.to, model, name);
}

async function dropModel(change: Change, table: string): Promise<void> {
  await change.db.schema.dropTable(table).execute();
}

async function renameModel(change: Change, fromTable: string, toTable: string): Promise<void> {
  const from = change.from.model(fromTable, 'Rename model');
  const to = change.to.model(toTable, 'Rename model');
  await change.db.schema.alterTable(fromTable).renameTo(toTable).execute();
  // Index names carry the table's: the new ones first, so MySQL's foreign keys always have one.
  await createIndexes(change, from, to);
  await dropIndexes(change, from, to, toTable);
}

/** Whether SQLite's ADD COLUMN can add the field (else the table is rebuilt). */
function sqliteCanAdd(spec: FieldSpec, fill: JsonValue | undefined): boolean {
  if (spec.primaryKey || fill !== spec.default) return false;
  if (fill === 'now') return false; // "Cannot add a column with non-constant default"
  if (spec.kind === 'foreignKey') return spec.null === true && fill === undefined;
  return spec.null === true || (fill !== undefined && fill !== null);
}

async function addField(change: Change, table: string, name: string, fill?: JsonValue): Promise<void> {
  const { db, backend } = change;
  const from = change.from.model(table, 'Add field');
  const to = change.to.model(table, 'Add field');
  const spec = to.fields[name] as FieldSpec;
  const value = fill ?? spec.default;
  const column = columnName(name, spec);
  if (backend === 'sqlite') {
    if (!sqliteCanAdd(spec, value)) {
      await rebuildTable(db, change.to, from, to, value === undefined ? {} : { [name]: fillExpression(spec, value, backend) });
      return;
    }
    await db.schema.alterTable(table).addColumn(column, sql.raw(typeOf(change.to, spec, backend)), (definition) => {
      const built = columnDefinition(spec, backend, value)(definition);
      return spec.to ? built.references(`${spec.to}.${primaryKeyColumn(change.to.model(spec.to, 'Add field'))}`).onDelete(spec.onDelete ?? 'cascade') : built;
    }).execute();
  } else {
    await db.schema.alterTable(table).addColumn(column, sql.raw(typeOf(change.to, spec, backend)), columnDefinition(spec, backend, value)).execute();
    if (value !== spec.default) await db.schema.alterTable(table).alterColumn(column, (alter) => alter.dropDefault()).execute();
    // The index before the foreign key: on MySQL/MariaDB a foreign key with no index makes one of its own, a second.
    await createIndexes(change, from, to);
    await addForeignKey(db, change.to, to, name);
    return;
  }
  await createIndexes(change, from, to);
}

async function removeField(change: Change, table: string, name: string): Promise<void> {
  const { db, backend } = change;
  const from = change.from.model(table, 'Remove field');
  const to = change.to.model(table, 'Remove field');
  const spec = from.fields[name] as FieldSpec;
  if (backend === 'sqlite') return rebuildTable(db, change.to, from, to);
  if (spec.kind === 'foreignKey') await dropForeignKeys(db, backend, table, columnName(name, spec));
  await dropIndexes(change, from, to);
  await db.schema.alterTable(table).dropColumn(columnName(name, spec)).execute();
}

async function alterField(change: Change, table: string, name: string): Promise<void> {
  const { db, backend } = change;
  const from = change.from.model(table, 'Alter field');
  const to = change.to.model(table, 'Alter field');
  const old = from.fields[name] as FieldSpec;
  const spec = to.fields[name] as FieldSpec;
  if (sameSpec(old, spec)) return;
  if ((old.kind === 'id' || old.kind === 'bigId') !== (spec.kind === 'id' || spec.kind === 'bigId') && backend !== 'sqlite') {
    throw new DatabaseError(`Alter field ${name} on ${table}: changing to or from an auto-incrementing key is not supported; add a new field and move the data with op.runCode().`);
  }
  if (backend === 'sqlite') return rebuildTable(db, change.to, from, to);
  const oldColumn = columnName(name, old);
  const column = columnName(name, spec);
  if (old.kind === 'foreignKey') await dropForeignKeys(db, backend, table, oldColumn);
  await dropIndexes(change, from, to);
  if (oldColumn !== column) await db.schema.alterTable(table).renameColumn(oldColumn, column).execute();
  const type = typeOf(change.to, spec, backend);
  // Rows that are NULL take the default before the column refuses NULL.
  if (old.null && !spec.null && spec.default !== undefined) {
    await sql`update ${sql.id(table)} set ${sql.id(column)} = ${fillExpression(spec, spec.default, backend)} where ${sql.id(column)} is null`.execute(db);
  }
  if (backend === 'mysql') {
    await db.schema.alterTable(table).modifyColumn(column, sql.raw(type), columnDefinition(spec, backend)).execute();
  } else {
    if (typeOf(change.from, old, backend) !== type) {
      await sql`alter table ${sql.id(table)} alter column ${sql.id(column)} type ${sql.raw(type)} using ${sql.id(column)}::${sql.raw(type)}`.execute(db);
    }
    if (!spec.primaryKey && Boolean(old.null) !== Boolean(spec.null)) {
      await db.schema.alterTable(table).alterColumn(column, (alter) => (spec.null ? alter.dropNotNull() : alter.setNotNull())).execute();
    }
    if (JSON.stringify(old.default) !== JSON.stringify(spec.default)) {
      const value = spec.default;
      await db.schema.alterTable(table).alterColumn(column, (alter) => (value === undefined ? alter.dropDefault() : alter.setDefault(defaultExpression(spec, value, backend)))).execute();
    }
  }
  // The index before the foreign key (MySQL/MariaDB would make a second one of its own otherwise).
  await createIndexes(change, from, to);
  if (spec.kind === 'foreignKey') await addForeignKey(db, change.to, to, name);
}

async function renameField(change: Change, table: string, oldName: string, newName: string): Promise<void> {
  const from = change.from.model(table, 'Rename field');
  const to = change.to.model(table, 'Rename field');
  const oldColumn = columnName(oldName, from.fields[oldName] as FieldSpec);
  const column = columnName(newName, to.fields[newName] as FieldSpec);
  if (oldColumn !== column) await change.db.schema.alterTable(table).renameColumn(oldColumn, column).execute();
  await createIndexes(change, from, to);
  await dropIndexes(change, from, to);
}

async function syncIndexes(change: Change, table: string): Promise<void> {
  const from = change.from.model(table, 'Index');
  const to = change.to.model(table, 'Index');
  await dropIndexes(change, from, to);
  await createIndexes(change, from, to);
}

async function runSql(change: Change, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(change.db);
}

/** Runs `operation` forwards: `from` is the state before it, `to` after. */
export async function databaseForwards(change: Change, operation: Operation): Promise<void> {
  switch (operation.type) {
    case 'createModel':
      return createModel(change, operation.table);
    case 'deleteModel':
      return dropModel(change, operation.table);
    case 'renameModel':
      return renameModel(change, operation.from, operation.to);
    case 'addField':
      return addField(change, operation.table, operation.name, operation.preserveDefault === false ? operation.field.default : undefined);
    case 'removeField':
      return removeField(change, operation.table, operation.name);
    case 'alterField':
      return alterField(change, operation.table, operation.name);
    case 'renameField':
      return renameField(change, operation.table, operation.from, operation.to);
    case 'addIndex':
    case 'removeIndex':
    case 'addConstraint':
    case 'removeConstraint':
      return syncIndexes(change, operation.table);
    case 'runSql':
      return runSql(change, operation.forwards);
    case 'runCode':
      return operation.forwards(change.db);
  }
}

/** Undoes `operation`: `from` is the state after it, `to` the state before. */
export async function databaseBackwards(change: Change, operation: Operation): Promise<void> {
  switch (operation.type) {
    case 'createModel':
      return dropModel(change, operation.table);
    case 'deleteModel':
      return createModel(change, operation.table);
    case 'renameModel':
      return renameModel(change, operation.to, operation.from);
    case 'addField':
      return removeField(change, operation.table, operation.name);
    case 'removeField':
      return addField(change, operation.table, operation.name);
    case 'alterField':
      return alterField(change, operation.table, operation.name);
    case 'renameField':
      return renameField(change, operation.table, operation.to, operation.from);
    case 'addIndex':
    case 'removeIndex':
    case 'addConstraint':
    case 'removeConstraint':
      return syncIndexes(change, operation.table);
    case 'runSql':
      if (!operation.backwards) throw new DatabaseError('This runSql operation has no backwards SQL: it cannot be undone.');
      return runSql(change, operation.backwards);
    case 'runCode':
      if (!operation.backwards) throw new DatabaseError('This runCode operation has no backwards function: it cannot be undone.');
      return operation.backwards(change.db);
  }
}
