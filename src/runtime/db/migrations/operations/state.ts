/**
 * The project state: every model as the migrations leave it, rebuilt by
 * replaying their operations (never read from a database), after Django's
 * ProjectState. makemigrations compares it with the models; migrate gives
 * each operation the state before and after it.
 */
import type { FieldSpec } from '../../models/fields.js';
import { columnName, type Model } from '../../models/model.js';

export interface ModelState {
  /** The label of the app whose migration created it. */
  app: string;
  table: string;
  /** In declaration order. */
  fields: Record<string, FieldSpec>;
  indexes: string[][];
  unique: string[][];
}

export class ProjectState {
  readonly models = new Map<string, ModelState>();

  clone(): ProjectState {
    const copy = new ProjectState();
    for (const [table, model] of this.models) {
      copy.models.set(table, { ...model, fields: { ...model.fields }, indexes: model.indexes.map((set) => [...set]), unique: model.unique.map((set) => [...set]) });
    }
    return copy;
  }

  /** The model of `table`; a clear error when there is none (`where` says which operation asked). */
  model(table: string, where: string): ModelState {
    const found = this.models.get(table);
    if (!found) throw new StateError(`${where}: there is no model with the table '${table}' at this point of the migrations.`);
    return found;
  }

  /** The models of one app, by table name. */
  ofApp(app: string): ModelState[] {
    return [...this.models.values()].filter((model) => model.app === app);
  }
}

/** An operation that does not fit the state it is applied to. */
export class StateError extends Error {
  override name = 'StateError';
}

/** A declared model as state. */
export function modelState(app: string, model: Model): ModelState {
  return {
    app,
    table: model.table,
    fields: Object.fromEntries(Object.entries(model.fields).map(([name, spec]) => [name, plainSpec(spec)])),
    indexes: (model.options.indexes ?? []).map((set) => [...set]),
    unique: (model.options.unique ?? []).map((set) => [...set]),
  };
}

/** A field's spec as plain data (what a migration file holds), without undefined options. */
export function plainSpec(spec: FieldSpec): FieldSpec {
  return Object.fromEntries(Object.entries(spec).filter(([, value]) => value !== undefined)) as unknown as FieldSpec;
}

/** The field that is the model's primary key, with its name. */
export function primaryKey(model: ModelState): [string, FieldSpec] | undefined {
  return Object.entries(model.fields).find(([, spec]) => spec.primaryKey);
}

/** The primary key's column of a model. */
export function primaryKeyColumn(model: ModelState): string {
  const key = primaryKey(model);
  if (!key) throw new StateError(`The model ${model.table} has no primary key: give it one, e.g. id: field.id().`);
  return columnName(...key);
}

export function columnOf(model: ModelState, name: string): string {
  const spec = model.fields[name];
  if (!spec) throw new StateError(`${model.table} has no field '${name}'.`);
  return columnName(name, spec);
}

/** Two field specs mean the same column (option order aside; `null: false` is no `null`, but a foreign key's `index: false` is not its default). */
export function sameSpec(a: FieldSpec, b: FieldSpec): boolean {
  return canonical(a) === canonical(b);
}

export function canonical(value: unknown): string {
  return JSON.stringify(value, (_, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).filter(([k, v]) => v !== undefined && (v !== false || k === 'index')).sort(([x], [y]) => (x < y ? -1 : 1)))
      : inner,
  );
}
