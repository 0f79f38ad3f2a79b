/**
 * Writes operations as a migration file a person is happy to review: the
 * same `op.*` and `field.*` calls one would type, one operation per entry,
 * a header listing them in words.
 */
import type { FieldSpec, JsonValue } from '../../models/fields.js';
import type { ModelOptions } from '../../models/model.js';
import { describeOperation, type Operation } from '../operations/operations.js';

/** A value as TypeScript source: single-quoted strings, `{ key: value }` objects. */
export function literal(value: JsonValue | undefined): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `[${value.map((item) => literal(item as JsonValue)).join(', ')}]`;
  const entries = Object.entries(value as Record<string, JsonValue>).map(([key, inner]) => `${/^[A-Za-z_$][\w$]*$/.test(key) ? key : literal(key)}: ${literal(inner)}`);
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}

const POSITIONAL: Partial<Record<FieldSpec['kind'], readonly (keyof FieldSpec)[]>> = {
  varchar: ['maxLength'],
  decimal: ['maxDigits', 'decimalPlaces'],
  foreignKey: ['to'],
};

/** `field.varchar(200, { null: true })` */
export function fieldSource(spec: FieldSpec): string {
  const positional = POSITIONAL[spec.kind] ?? [];
  const implied = new Set<string>(['kind', ...positional]);
  if (spec.kind === 'id' || spec.kind === 'bigId') implied.add('primaryKey');
  const options = Object.fromEntries(Object.entries(spec).filter(([key, value]) => !implied.has(key) && value !== undefined)) as Record<string, JsonValue>;
  const args = positional.map((key) => literal(spec[key] as JsonValue));
  if (Object.keys(options).length > 0) args.push(literal(options));
  return `field.${spec.kind}(${args.join(', ')})`;
}

function sets(value: readonly (readonly string[])[]): string {
  return `[${value.map((set) => `[${set.map((name) => literal(name)).join(', ')}]`).join(', ')}]`;
}

function optionsSource(options: ModelOptions): string {
  const parts = [...(options.indexes?.length ? [`indexes: ${sets(options.indexes)}`] : []), ...(options.unique?.length ? [`unique: ${sets(options.unique)}`] : [])];
  return parts.length > 0 ? `, { ${parts.join(', ')} }` : '';
}

/** One operation as source, indented for the `operations` list. */
export function operationSource(operation: Operation): string {
  const q = (text: string) => literal(text);
  switch (operation.type) {
    case 'createModel': {
      const fields = Object.entries(operation.fields).map(([name, spec]) => `    ${/^[A-Za-z_$][\w$]*$/.test(name) ? name : q(name)}: ${fieldSource(spec)},`);
      return `  op.createModel(${q(operation.table)}, {\n${fields.join('\n')}\n  }${optionsSource(operation.options)}),`;
    }
    case 'deleteModel':
      return `  op.deleteModel(${q(operation.table)}),`;
    case 'renameModel':
      return `  op.renameModel(${q(operation.from)}, ${q(operation.to)}),`;
    case 'addField':
      return `  op.addField(${q(operation.table)}, ${q(operation.name)}, ${fieldSource(operation.field)}${operation.preserveDefault === false ? ', { preserveDefault: false }' : ''}),`;
    case 'removeField':
      return `  op.removeField(${q(operation.table)}, ${q(operation.name)}),`;
    case 'alterField':
      return `  op.alterField(${q(operation.table)}, ${q(operation.name)}, ${fieldSource(operation.field)}),`;
    case 'renameField':
      return `  op.renameField(${q(operation.table)}, ${q(operation.from)}, ${q(operation.to)}),`;
    case 'addIndex':
    case 'removeIndex':
      return `  op.${operation.type}(${q(operation.table)}, [${operation.fields.map(q).join(', ')}]),`;
    case 'addConstraint':
    case 'removeConstraint':
      return `  op.${operation.type}(${q(operation.table)}, { unique: [${operation.unique.map(q).join(', ')}] }),`;
    case 'runSql':
      return `  op.runSql(${literal([...operation.forwards])}${operation.backwards ? `, ${literal([...operation.backwards])}` : ''}),`;
    case 'runCode':
      return '  // op.runCode(async (db) => { ... }, async (db) => { ... }),';
  }
}

export interface MigrationSource {
  app: string;
  /** `0002_note_rating` */
  name: string;
  operations: readonly Operation[];
  dependencies: readonly (readonly [string, string])[];
  /** For the header: `makemigrations` or `makemigrations --empty`. */
  empty?: boolean;
  /** squashmigrations: the migrations this one replaces. */
  replaces?: readonly (readonly [string, string])[];
  /** makemigrations --merge: a migration with no operations that joins the branches it depends on. */
  merge?: boolean;
}

function usesField(operations: readonly Operation[]): boolean {
  return operations.some((operation) => operation.type === 'createModel' || operation.type === 'addField' || operation.type === 'alterField');
}

/** The whole file. */
export function migrationSource(migration: MigrationSource): string {
  const lines = [
    '/**',
    migration.replaces
      ? ` * ${migration.app}.${migration.name}, written by squashmigrations: it replaces ${migration.replaces.map(([, name]) => name).join(', ')}. Once every database has migrated past them, delete those files; this one then stands in for them.`
      : migration.merge
        ? ` * ${migration.app}.${migration.name}, written by makemigrations --merge: it joins the branches ending at ${migration.dependencies.map(([, name]) => name).join(' and ')}, so the migrations are one line again. It changes nothing in the database.`
        : ` * ${migration.app}.${migration.name}, written by makemigrations.`,
    ...(migration.merge ? [] : migration.empty
      ? [' * Empty: add operations (op.runSql, op.runCode for data) to the list.']
      : migration.operations.map((operation) => ` * - ${describeOperation(operation)}`)),
    ...(migration.merge ? [' * Once applied, leave it as it is.'] : [` * \`manage sqlmigrate ${migration.app} ${migration.name.slice(0, 4)}\` shows its SQL; once applied, leave it as it is.`]),
    ' */',
    // A merge lists no operations, so it imports nothing (an unused import fails a strict build).
    ...(migration.merge ? [] : [`import { ${usesField(migration.operations) ? 'field, op' : 'op'} } from 'tsgate/db';`]),
    '',
  ];
  if (migration.replaces) {
    lines.push(`export const replaces = [${migration.replaces.map(([app, name]) => `[${literal(app)}, ${literal(name)}]`).join(', ')}];`, '');
  }
  if (migration.dependencies.length > 0) {
    lines.push(`export const dependencies = [${migration.dependencies.map(([app, name]) => `[${literal(app)}, ${literal(name)}]`).join(', ')}];`, '');
  }
  lines.push('export const operations = [', ...migration.operations.map(operationSource), '];', '');
  return lines.join('\n');
}

/** A name from the operations, after Django's: `note_rating`, `remove_note_body`, or `auto_<date>`. */
export function suggestName(operations: readonly Operation[], initial: boolean): string {
  if (initial) return 'initial';
  const parts = operations.map((operation) => {
    switch (operation.type) {
      case 'createModel':
        return operation.table;
      case 'deleteModel':
        return `delete_${operation.table}`;
      case 'renameModel':
        return `rename_${operation.from}_${operation.to}`;
      case 'addField':
        return `${operation.table}_${operation.name}`;
      case 'removeField':
        return `remove_${operation.table}_${operation.name}`;
      case 'alterField':
        return `alter_${operation.table}_${operation.name}`;
      case 'renameField':
        return `rename_${operation.from}_${operation.table}_${operation.to}`;
      default:
        return undefined;
    }
  });
  const name = parts.every((part) => part !== undefined) ? parts.join('_') : '';
  if (name !== '' && name.length <= 52 && /^[a-z_][a-z0-9_]*$/.test(name)) return name;
  return `auto_${new Date().toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '_')}`;
}
