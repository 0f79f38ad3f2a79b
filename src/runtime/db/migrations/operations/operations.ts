/**
 * Migration operations as data, after Django's `migrations.CreateModel` &c.:
 * what a generated migration file lists (`op.addField('blog_note', 'rating',
 * field.integer({ null: true }))`), what the state is rebuilt from, and what
 * `migrate` turns into each backend's SQL (schema.ts).
 */
import type { FieldSpec } from '../../models/fields.js';
import type { ModelOptions } from '../../models/model.js';
import type { MigrationDb } from '../types.js';
import { canonical, plainSpec, primaryKey, StateError, type ProjectState } from './state.js';

export type Operation =
  | { readonly type: 'createModel'; readonly table: string; readonly fields: Readonly<Record<string, FieldSpec>>; readonly options: ModelOptions }
  | { readonly type: 'deleteModel'; readonly table: string }
  | { readonly type: 'renameModel'; readonly from: string; readonly to: string }
  /** `preserveDefault: false`: the default only fills the rows already there (a one-off default), the field keeps none. */
  | { readonly type: 'addField'; readonly table: string; readonly name: string; readonly field: FieldSpec; readonly preserveDefault?: boolean }
  | { readonly type: 'removeField'; readonly table: string; readonly name: string }
  | { readonly type: 'alterField'; readonly table: string; readonly name: string; readonly field: FieldSpec }
  | { readonly type: 'renameField'; readonly table: string; readonly from: string; readonly to: string }
  | { readonly type: 'addIndex' | 'removeIndex'; readonly table: string; readonly fields: readonly string[] }
  | { readonly type: 'addConstraint' | 'removeConstraint'; readonly table: string; readonly unique: readonly string[] }
  | { readonly type: 'runSql'; readonly forwards: readonly string[]; readonly backwards?: readonly string[] }
  | { readonly type: 'runCode'; readonly forwards: (db: MigrationDb) => Promise<void>; readonly backwards?: (db: MigrationDb) => Promise<void> };

const list = (sql: string | readonly string[]) => (typeof sql === 'string' ? [sql] : [...sql]);

/** The operations, as migration files write them. */
export const op = {
  createModel: (table: string, fields: Readonly<Record<string, FieldSpec>>, options: ModelOptions = {}): Operation => ({ type: 'createModel', table, fields, options }),
  deleteModel: (table: string): Operation => ({ type: 'deleteModel', table }),
  renameModel: (from: string, to: string): Operation => ({ type: 'renameModel', from, to }),
  addField: (table: string, name: string, field: FieldSpec, options: { preserveDefault?: boolean } = {}): Operation => ({ type: 'addField', table, name, field, ...options }),
  removeField: (table: string, name: string): Operation => ({ type: 'removeField', table, name }),
  alterField: (table: string, name: string, field: FieldSpec): Operation => ({ type: 'alterField', table, name, field }),
  renameField: (table: string, from: string, to: string): Operation => ({ type: 'renameField', table, from, to }),
  addIndex: (table: string, fields: readonly string[]): Operation => ({ type: 'addIndex', table, fields }),
  removeIndex: (table: string, fields: readonly string[]): Operation => ({ type: 'removeIndex', table, fields }),
  addConstraint: (table: string, constraint: { unique: readonly string[] }): Operation => ({ type: 'addConstraint', table, unique: constraint.unique }),
  removeConstraint: (table: string, constraint: { unique: readonly string[] }): Operation => ({ type: 'removeConstraint', table, unique: constraint.unique }),
  /** SQL run as written; without `backwards` the migration cannot be unapplied. */
  runSql: (forwards: string | readonly string[], backwards?: string | readonly string[]): Operation => ({ type: 'runSql', forwards: list(forwards), ...(backwards === undefined ? {} : { backwards: list(backwards) }) }),
  /** Code given the database (to move data, say); without `backwards` the migration cannot be unapplied. */
  runCode: (forwards: (db: MigrationDb) => Promise<void>, backwards?: (db: MigrationDb) => Promise<void>): Operation => ({ type: 'runCode', forwards, ...(backwards ? { backwards } : {}) }),
};

const fieldsText = (fields: readonly string[]) => `(${fields.join(', ')})`;

/** The operation in words, for showmigrations, migrate --plan and makemigrations. */
export function describeOperation(operation: Operation): string {
  switch (operation.type) {
    case 'createModel':
      return `Create model ${operation.table}`;
    case 'deleteModel':
      return `Delete model ${operation.table}`;
    case 'renameModel':
      return `Rename model ${operation.from} to ${operation.to}`;
    case 'addField':
      return `Add field ${operation.name} to ${operation.table}`;
    case 'removeField':
      return `Remove field ${operation.name} from ${operation.table}`;
    case 'alterField':
      return `Alter field ${operation.name} on ${operation.table}`;
    case 'renameField':
      return `Rename field ${operation.from} on ${operation.table} to ${operation.to}`;
    case 'addIndex':
      return `Create index on ${operation.table} ${fieldsText(operation.fields)}`;
    case 'removeIndex':
      return `Remove index on ${operation.table} ${fieldsText(operation.fields)}`;
    case 'addConstraint':
      return `Add unique constraint on ${operation.table} ${fieldsText(operation.unique)}`;
    case 'removeConstraint':
      return `Remove unique constraint on ${operation.table} ${fieldsText(operation.unique)}`;
    case 'runSql':
      return 'Raw SQL operation';
    case 'runCode':
      return 'Raw code operation';
  }
}

/** Whether the operation can be undone. */
export function reversible(operation: Operation): boolean {
  return (operation.type !== 'runSql' && operation.type !== 'runCode') || operation.backwards !== undefined;
}

const sameSet = (a: readonly string[], b: readonly string[]) => canonical(a) === canonical(b);

function requireFields(state: ProjectState, table: string, names: readonly string[], where: string): void {
  const model = state.model(table, where);
  for (const name of names) if (!(name in model.fields)) throw new StateError(`${where}: ${table} has no field '${name}'.`);
}

/** Uses of a field in the model's index and unique sets (which must go before it does). */
function setsUsing(state: ProjectState, table: string, name: string): string[] {
  const model = state.model(table, '');
  return [...model.indexes.map((set) => `index ${fieldsText(set)}`), ...model.unique.map((set) => `unique ${fieldsText(set)}`)].filter((text) =>
    text.slice(text.indexOf('(') + 1, -1).split(', ').includes(name),
  );
}

/** Applies `operation` to `state` in place (the `app` whose migration runs it owns created models). */
export function applyToState(state: ProjectState, app: string, operation: Operation): void {
  const where = describeOperation(operation);
  switch (operation.type) {
    case 'createModel': {
      if (state.models.has(operation.table)) throw new StateError(`${where}: the model ${operation.table} exists already.`);
      const model = {
        app,
        table: operation.table,
        fields: Object.fromEntries(Object.entries(operation.fields).map(([name, spec]) => [name, plainSpec(spec)])),
        indexes: (operation.options.indexes ?? []).map((set) => [...set]),
        unique: (operation.options.unique ?? []).map((set) => [...set]),
      };
      state.models.set(operation.table, model);
      if (!primaryKey(model)) throw new StateError(`${where}: the model has no primary key: give it one, e.g. id: field.id().`);
      requireFields(state, operation.table, [...model.indexes.flat(), ...model.unique.flat()], where);
      return;
    }
    case 'deleteModel': {
      state.model(operation.table, where);
      const referring = [...state.models.values()].filter((other) => other.table !== operation.table && Object.values(other.fields).some((spec) => spec.to === operation.table));
      if (referring.length > 0) throw new StateError(`${where}: ${referring.map((other) => other.table).join(', ')} still refer(s) to it; remove those foreign keys first.`);
      state.models.delete(operation.table);
      return;
    }
    case 'renameModel': {
      const model = state.model(operation.from, where);
      if (state.models.has(operation.to)) throw new StateError(`${where}: the model ${operation.to} exists already.`);
      state.models.delete(operation.from);
      state.models.set(operation.to, { ...model, table: operation.to });
      for (const other of state.models.values()) {
        for (const [name, spec] of Object.entries(other.fields)) if (spec.to === operation.from) other.fields[name] = { ...spec, to: operation.to };
      }
      return;
    }
    case 'addField': {
      const model = state.model(operation.table, where);
      if (operation.name in model.fields) throw new StateError(`${where}: ${operation.table} has a field '${operation.name}' already.`);
      const spec = plainSpec(operation.field);
      model.fields[operation.name] = operation.preserveDefault === false ? plainSpec({ ...spec, default: undefined }) : spec;
      return;
    }
    case 'removeField': {
      requireFields(state, operation.table, [operation.name], where);
      const uses = setsUsing(state, operation.table, operation.name);
      if (uses.length > 0) throw new StateError(`${where}: it is in ${uses.join(', ')}; remove that first.`);
      delete state.model(operation.table, where).fields[operation.name];
      return;
    }
    case 'alterField': {
      requireFields(state, operation.table, [operation.name], where);
      state.model(operation.table, where).fields[operation.name] = plainSpec(operation.field);
      return;
    }
    case 'renameField': {
      requireFields(state, operation.table, [operation.from], where);
      const model = state.model(operation.table, where);
      if (operation.to in model.fields) throw new StateError(`${where}: ${operation.table} has a field '${operation.to}' already.`);
      model.fields = Object.fromEntries(Object.entries(model.fields).map(([name, spec]) => [name === operation.from ? operation.to : name, spec]));
      const rename = (set: string[]) => set.map((name) => (name === operation.from ? operation.to : name));
      model.indexes = model.indexes.map(rename);
      model.unique = model.unique.map(rename);
      return;
    }
    case 'addIndex':
    case 'addConstraint': {
      const fields = 'fields' in operation ? operation.fields : operation.unique;
      requireFields(state, operation.table, fields, where);
      const model = state.model(operation.table, where);
      const sets = operation.type === 'addIndex' ? model.indexes : model.unique;
      if (sets.some((set) => sameSet(set, fields))) throw new StateError(`${where}: it is there already.`);
      sets.push([...fields]);
      return;
    }
    case 'removeIndex':
    case 'removeConstraint': {
      const fields = 'fields' in operation ? operation.fields : operation.unique;
      const model = state.model(operation.table, where);
      const key = operation.type === 'removeIndex' ? 'indexes' : 'unique';
      const kept = model[key].filter((set) => !sameSet(set, fields));
      if (kept.length === model[key].length) throw new StateError(`${where}: there is no such ${operation.type === 'removeIndex' ? 'index' : 'constraint'}.`);
      model[key] = kept;
      return;
    }
    case 'runSql':
    case 'runCode':
      return;
  }
}
