/**
 * The indexes a model has, derived from its state: one per `index` or
 * `unique` field and foreign key, and one per `indexes`/`unique` set. Their
 * names come from the table and columns, so the same state always means the
 * same names, and a migration finds the index to drop without asking the
 * database. Unique sets are unique indexes on every backend, so SQLite adds
 * and drops them without rebuilding the table.
 */
import { createHash } from 'node:crypto';
import { columnName } from '../../models/model.js';
import { columnOf, type ModelState } from './state.js';

export interface IndexDef {
  name: string;
  table: string;
  columns: string[];
  unique: boolean;
}

/** PostgreSQL allows 63 characters, MySQL 64: long names are cut and given a hash of the whole. */
const MAX_NAME = 60;

export function indexName(table: string, columns: readonly string[], suffix: string): string {
  const full = `${table}_${columns.join('_')}_${suffix}`;
  if (full.length <= MAX_NAME) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, MAX_NAME - suffix.length - 10)}_${hash}_${suffix}`;
}

export function modelIndexes(model: ModelState): IndexDef[] {
  const found = new Map<string, IndexDef>();
  const add = (columns: string[], unique: boolean) => {
    const name = indexName(model.table, columns, unique ? 'uniq' : 'idx');
    found.set(name, { name, table: model.table, columns, unique });
  };
  for (const [name, spec] of Object.entries(model.fields)) {
    if (spec.primaryKey) continue;
    if (spec.unique) add([columnName(name, spec)], true);
    else if (spec.index ?? spec.kind === 'foreignKey') add([columnName(name, spec)], false);
  }
  for (const set of model.indexes) add(set.map((name) => columnOf(model, name)), false);
  for (const set of model.unique) add(set.map((name) => columnOf(model, name)), true);
  return [...found.values()];
}

/** The foreign key constraint's name for a column. */
export function foreignKeyName(table: string, column: string): string {
  return indexName(table, [column], 'fk');
}
