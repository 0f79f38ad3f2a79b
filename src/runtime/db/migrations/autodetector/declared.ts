/**
 * The models the installed apps declare (each app's `models.ts`, or `.js`
 * once built), as a project state, checked: every problem is reported with
 * its file and the fix, and nothing is written while there is one.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppConfig } from '../../../apps/index.js';
import { unindexableOn } from '../../models/columns.js';
import type { FieldSpec, JsonValue } from '../../models/fields.js';
import { isModel } from '../../models/model.js';
import { modelState, primaryKey, ProjectState, type ModelState } from '../operations/state.js';

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface DeclaredModels {
  state: ProjectState;
  /** The file and export name of each table's model, for messages. */
  where: Map<string, string>;
  problems: string[];
}

/** An app's models module, or undefined (an app needs none). */
export function modelsFile(app: AppConfig): string | undefined {
  for (const ext of EXTENSIONS) {
    const file = join(app.path, `models${ext}`);
    if (existsSync(file)) return file;
  }
  return undefined;
}

function defaultProblem(spec: FieldSpec, value: JsonValue): string | undefined {
  const is = (ok: boolean, what: string) => (ok ? undefined : `its default ${JSON.stringify(value)} is not ${what}`);
  switch (spec.kind) {
    case 'id':
    case 'bigId':
      return 'an auto-incrementing key takes no default';
    case 'integer':
    case 'float':
    case 'foreignKey':
      return is(typeof value === 'number' && (spec.kind === 'float' || Number.isInteger(value)), spec.kind === 'float' ? 'a number' : 'a whole number');
    case 'bigint':
      return is((typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value)), 'a whole number');
    case 'decimal':
      return is(typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)), "a decimal number (e.g. '0.00')");
    case 'boolean':
      return is(typeof value === 'boolean', 'true or false');
    case 'varchar':
      if (typeof value !== 'string') return is(false, 'text');
      return is(value.length <= (spec.maxLength ?? Infinity), `at most ${spec.maxLength} characters`);
    case 'text':
    case 'uuid':
      return is(typeof value === 'string', 'text');
    case 'date':
      return is(value === 'now' || (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)), "'now' or a date such as '2024-01-31'");
    case 'timestamp':
      return is(value === 'now' || (typeof value === 'string' && !Number.isNaN(Date.parse(value))), "'now' or a date and time");
    case 'json':
      return undefined;
  }
}

function checkModel(model: ModelState, state: ProjectState, where: string): string[] {
  const problems: string[] = [];
  const say = (text: string) => problems.push(`${where}: ${text}`);
  if (!NAME.test(model.table) || model.table.length > 63) say(`'${model.table}' is not a usable table name: letters, digits and underscores, at most 63 characters.`);
  const keys = Object.entries(model.fields).filter(([, spec]) => spec.primaryKey);
  if (keys.length === 0) say('it has no primary key: add id: field.id().');
  if (keys.length > 1) say(`it has ${keys.length} primary keys (${keys.map(([name]) => name).join(', ')}): keep one.`);
  for (const [name, spec] of Object.entries(model.fields)) {
    const here = `field ${name}`;
    if (typeof spec !== 'object' || spec === null || typeof spec.kind !== 'string') {
      say(`${here} is not a field: use field.*, e.g. ${name}: field.text() (called, with its parentheses).`);
      continue;
    }
    if (!NAME.test(name)) say(`${here}: a field name is letters, digits and underscores.`);
    if (spec.default !== undefined) {
      const problem = defaultProblem(spec, spec.default);
      if (problem) say(`${here}: ${problem}.`);
    }
    if (spec.kind === 'foreignKey') {
      const target = spec.to ? state.models.get(spec.to) : undefined;
      if (!target) say(`${here} refers to the table '${spec.to}', which no installed app's models declare: fix the name, or add the app that declares it to INSTALLED_APPS.`);
      else if (!primaryKey(target)) say(`${here} refers to ${spec.to}, which has no primary key.`);
      if (spec.onDelete === 'set null' && !spec.null) say(`${here}: onDelete 'set null' needs null: true.`);
    }
    if ((spec.unique || spec.index) && unindexableOn('mysql', spec)) {
      say(`${here}: MySQL/MariaDB cannot index or make unique a ${spec.kind} column; use field.varchar(n) for a ${spec.unique ? 'unique' : 'indexed'} value.`);
    }
  }
  for (const [kind, sets] of [['indexes', model.indexes], ['unique', model.unique]] as const) {
    for (const set of sets) {
      const missing = set.filter((name) => !(name in model.fields));
      if (missing.length > 0) say(`${kind} [${set.join(', ')}] names no field ${missing.join(', ')}; the fields are ${Object.keys(model.fields).join(', ')}.`);
      const unindexable = set.filter((name) => model.fields[name] && unindexableOn('mysql', model.fields[name] as FieldSpec));
      if (unindexable.length > 0) say(`${kind} [${set.join(', ')}]: MySQL/MariaDB cannot index ${unindexable.join(', ')} (text or json); use field.varchar(n).`);
    }
  }
  return problems;
}

/** Imports each app's models module and gathers the models it exports. */
export async function declaredModels(apps: readonly AppConfig[], cwd = process.cwd()): Promise<DeclaredModels> {
  const state = new ProjectState();
  const where = new Map<string, string>();
  const problems: string[] = [];
  for (const app of apps) {
    const file = modelsFile(app);
    if (!file) continue;
    const shown = relative(cwd, file) || file;
    let exports: Record<string, unknown>;
    try {
      exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      problems.push(`${shown}: cannot import it: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      continue;
    }
    for (const [exported, value] of Object.entries(exports)) {
      if (!isModel(value)) continue;
      const here = `${shown} (${exported})`;
      const clash = where.get(value.table);
      if (clash) {
        problems.push(`${here}: the table '${value.table}' is declared twice, also by ${clash}; give one of them another table name.`);
        continue;
      }
      where.set(value.table, here);
      state.models.set(value.table, modelState(app.label, value));
    }
  }
  for (const model of state.models.values()) problems.push(...checkModel(model, state, where.get(model.table) ?? model.table));
  return { state, where, problems };
}
