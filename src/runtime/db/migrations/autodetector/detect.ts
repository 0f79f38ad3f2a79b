/**
 * The autodetector, after Django's MigrationAutodetector: compares the
 * state the migrations leave with the state the models declare and lists,
 * per app, the operations from one to the other, in an order that runs
 * (renames, new models before what refers to them, index sets dropped
 * before their fields, deleted models last). Renames are guesses, so they
 * are asked; a NOT NULL field added without a default needs a value for
 * the rows already there, so that is asked too.
 */
import type { FieldSpec, JsonValue } from '../../models/fields.js';
import { applyToState, op, type Operation } from '../operations/operations.js';
import { canonical, sameSpec, type ModelState, type ProjectState } from '../operations/state.js';

export interface Questioner {
  /** "Did you rename the model blog_note to blog_post?" */
  renameModel(from: ModelState, to: ModelState): Promise<boolean>;
  /** "Did you rename blog_note.body to content?" */
  renameField(table: string, from: string, to: string, spec: FieldSpec): Promise<boolean>;
  /** A one-off value for the rows already there, or an error saying what to do. */
  oneOffDefault(table: string, name: string, spec: FieldSpec): Promise<JsonValue>;
}

export interface AppChanges {
  operations: Operation[];
  /** Other apps whose latest migration must run first (foreign keys to their models). */
  dependsOn: Set<string>;
}

const setKey = (set: readonly string[]) => canonical(set);

function withoutPosition(spec: FieldSpec): string {
  return canonical({ ...spec, dbColumn: undefined });
}

class Plan {
  readonly byApp = new Map<string, AppChanges>();

  constructor(readonly working: ProjectState) {}

  private changes(app: string): AppChanges {
    let found = this.byApp.get(app);
    if (!found) this.byApp.set(app, (found = { operations: [], dependsOn: new Set() }));
    return found;
  }

  /** Adds the operation to the app's list, and to the working state, which checks it fits. */
  push(app: string, operation: Operation): void {
    applyToState(this.working, app, operation);
    this.changes(app).operations.push(operation);
    for (const spec of referencedSpecs(operation)) {
      const owner = spec.to ? this.working.models.get(spec.to)?.app : undefined;
      if (owner && owner !== app) this.changes(app).dependsOn.add(owner);
    }
  }

  dependOn(app: string, other: string): void {
    if (app !== other) this.changes(app).dependsOn.add(other);
  }
}

function referencedSpecs(operation: Operation): FieldSpec[] {
  if (operation.type === 'createModel') return Object.values(operation.fields);
  if (operation.type === 'addField' || operation.type === 'alterField') return [operation.field];
  return [];
}

/** The created models in an order where each comes after the models it refers to (a cycle is cut, its keys added later). */
function creationOrder(models: readonly ModelState[]): { ordered: ModelState[]; deferred: Set<string> } {
  const byTable = new Map(models.map((model) => [model.table, model]));
  const ordered: ModelState[] = [];
  const deferred = new Set<string>();
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (model: ModelState) => {
    if (state.get(model.table)) return;
    state.set(model.table, 'visiting');
    for (const [name, spec] of Object.entries(model.fields)) {
      const target = spec.to && spec.to !== model.table ? byTable.get(spec.to) : undefined;
      if (!target) continue;
      if (state.get(target.table) === 'visiting') deferred.add(`${model.table}.${name}`);
      else visit(target);
    }
    state.set(model.table, 'done');
    ordered.push(model);
  };
  for (const model of models) visit(model);
  return { ordered, deferred };
}

async function detectFields(plan: Plan, questioner: Questioner, target: ModelState): Promise<void> {
  const table = target.table;
  const app = target.app;
  const current = () => plan.working.model(table, 'makemigrations');
  // Renames first: a removed field and an added one of the same kind may be one field renamed.
  const added = () => Object.keys(target.fields).filter((name) => !(name in current().fields));
  const removed = () => Object.keys(current().fields).filter((name) => !(name in target.fields));
  for (const name of added()) {
    const spec = target.fields[name] as FieldSpec;
    const candidate = removed().find((old) => withoutPosition(current().fields[old] as FieldSpec) === withoutPosition(spec));
    if (candidate !== undefined && (await questioner.renameField(table, candidate, name, spec))) {
      plan.push(app, op.renameField(table, candidate, name));
      if (!sameSpec(current().fields[name] as FieldSpec, spec)) plan.push(app, op.alterField(table, name, spec));
    }
  }
  // Index and unique sets that go, before the fields in them do.
  const wantedIndexes = new Set(target.indexes.map(setKey));
  const wantedUnique = new Set(target.unique.map(setKey));
  for (const set of current().indexes.filter((set) => !wantedIndexes.has(setKey(set)))) plan.push(app, op.removeIndex(table, set));
  for (const set of current().unique.filter((set) => !wantedUnique.has(setKey(set)))) plan.push(app, op.removeConstraint(table, { unique: set }));
  for (const name of removed()) plan.push(app, op.removeField(table, name));
  for (const name of added()) {
    const spec = target.fields[name] as FieldSpec;
    if (!spec.null && spec.default === undefined && !spec.primaryKey) {
      const value = await questioner.oneOffDefault(table, name, spec);
      plan.push(app, op.addField(table, name, { ...spec, default: value }, { preserveDefault: false }));
    } else {
      plan.push(app, op.addField(table, name, spec));
    }
  }
  for (const [name, spec] of Object.entries(target.fields)) {
    const old = current().fields[name];
    if (old && !sameSpec(old, spec)) plan.push(app, op.alterField(table, name, spec));
  }
  const haveIndexes = new Set(current().indexes.map(setKey));
  const haveUnique = new Set(current().unique.map(setKey));
  for (const set of target.indexes.filter((set) => !haveIndexes.has(setKey(set)))) plan.push(app, op.addIndex(table, set));
  for (const set of target.unique.filter((set) => !haveUnique.has(setKey(set)))) plan.push(app, op.addConstraint(table, { unique: set }));
}

/** The operations, per app, that take the migrations' state `from` to the models' state `to`. */
export async function detectChanges(from: ProjectState, to: ProjectState, questioner: Questioner): Promise<Map<string, AppChanges>> {
  const plan = new Plan(from.clone());
  const modelKey = (model: ModelState) => canonical(model.fields);

  // Models renamed: one gone and one new in the same app, with the same fields.
  let gone = [...plan.working.models.values()].filter((model) => !to.models.has(model.table));
  for (const model of [...to.models.values()].filter((candidate) => !plan.working.models.has(candidate.table))) {
    const old = gone.find((candidate) => candidate.app === model.app && modelKey(candidate) === modelKey(model));
    if (old && (await questioner.renameModel(old, model))) {
      plan.push(model.app, op.renameModel(old.table, model.table));
      gone = gone.filter((candidate) => candidate !== old);
    }
  }

  // New models, those they refer to first; a key in a cycle of new models is added after both exist.
  const created = [...to.models.values()].filter((model) => !plan.working.models.has(model.table));
  const { ordered, deferred } = creationOrder(created);
  const later: [ModelState, string][] = [];
  for (const model of ordered) {
    const fields = Object.fromEntries(Object.entries(model.fields).filter(([name]) => !deferred.has(`${model.table}.${name}`)));
    const cut = Object.keys(model.fields).filter((name) => !(name in fields));
    for (const name of cut) later.push([model, name]);
    const usesCut = (set: readonly string[]) => set.some((name) => cut.includes(name));
    plan.push(model.app, op.createModel(model.table, fields, withOptions(model.indexes.filter((set) => !usesCut(set)), model.unique.filter((set) => !usesCut(set)))));
  }
  for (const [model, name] of later) plan.push(model.app, op.addField(model.table, name, model.fields[name] as FieldSpec));

  // Changed models, in the models' order.
  for (const model of to.models.values()) await detectFields(plan, questioner, model);

  // Deleted models last, those referred to by other deleted ones after them.
  const deleting = new Set(gone.map((model) => model.table));
  const remaining = [...gone];
  while (remaining.length > 0) {
    const index = remaining.findIndex((model) => !remaining.some((other) => other !== model && Object.values(other.fields).some((spec) => spec.to === model.table)));
    const [next] = remaining.splice(index === -1 ? 0 : index, 1);
    if (!next) break;
    // A foreign key between deleted models (or to itself) goes first, so nothing refers to a table being dropped.
    for (const other of remaining) {
      for (const [name, spec] of Object.entries(plan.working.model(other.table, 'makemigrations').fields)) {
        if (spec.to === next.table) plan.push(other.app, op.removeField(other.table, name));
      }
    }
    for (const [app] of [...plan.working.models.values()].filter((other) => !deleting.has(other.table) && Object.values(from.models.get(other.table)?.fields ?? {}).some((spec) => spec.to === next.table)).map((other) => [other.app])) {
      plan.dependOn(next.app, app as string);
    }
    plan.push(next.app, op.deleteModel(next.table));
  }
  for (const [app, changes] of plan.byApp) if (changes.operations.length === 0) plan.byApp.delete(app);
  return plan.byApp;
}

function withOptions(indexes: string[][], unique: string[][]) {
  return { ...(indexes.length > 0 ? { indexes } : {}), ...(unique.length > 0 ? { unique } : {}) };
}
