/**
 * The migration optimizer squashmigrations uses, after Django's: folds an
 * operation into an earlier one on the same table (a field added, altered,
 * renamed or removed after its model was created goes into the
 * createModel; an addField then removeField cancels; a model created and
 * deleted vanishes), when nothing between them refers to that table.
 * runSql and runCode are barriers: nothing moves across them.
 */
import type { FieldSpec } from '../../models/fields.js';
import type { Operation } from '../operations/operations.js';

/** The tables an operation touches or refers to; undefined for "any" (runSql, runCode). */
function tablesOf(operation: Operation): Set<string> | undefined {
  switch (operation.type) {
    case 'runSql':
    case 'runCode':
      return undefined;
    case 'renameModel':
      return new Set([operation.from, operation.to]);
    case 'createModel':
      return new Set([operation.table, ...Object.values(operation.fields).flatMap((spec) => (spec.to ? [spec.to] : []))]);
    case 'addField':
    case 'alterField':
      return new Set([operation.table, ...(operation.field.to ? [operation.field.to] : [])]);
    default:
      return new Set([operation.table]);
  }
}

function touches(operation: Operation, table: string): boolean {
  const tables = tablesOf(operation);
  return tables === undefined || tables.has(table);
}

const renameIn = (sets: readonly (readonly string[])[] | undefined, from: string, to: string) => (sets ?? []).map((set) => set.map((name) => (name === from ? to : name)));
const usedIn = (sets: readonly (readonly string[])[] | undefined, name: string) => (sets ?? []).some((set) => set.includes(name));

/** `later` folded into `earlier` (same table): the operations to put in `earlier`'s place, or undefined when they do not fold. */
function fold(earlier: Operation, later: Operation): Operation[] | undefined {
  if (earlier.type === 'createModel') {
    const { table, fields, options } = earlier;
    if (later.type === 'deleteModel' && later.table === table) return [];
    if (!('table' in later) || later.table !== table) return undefined;
    switch (later.type) {
      case 'addField':
        if (later.preserveDefault === false) return [{ ...earlier, fields: { ...fields, [later.name]: { ...later.field, default: undefined } as FieldSpec } }];
        return [{ ...earlier, fields: { ...fields, [later.name]: later.field } }];
      case 'alterField':
        return [{ ...earlier, fields: { ...fields, [later.name]: later.field } }];
      case 'removeField': {
        if (usedIn(options.indexes, later.name) || usedIn(options.unique, later.name)) return undefined;
        const { [later.name]: _removed, ...rest } = fields;
        return [{ ...earlier, fields: rest }];
      }
      case 'renameField':
        return [
          {
            ...earlier,
            fields: Object.fromEntries(Object.entries(fields).map(([name, spec]) => [name === later.from ? later.to : name, spec])),
            options: { ...(options.indexes ? { indexes: renameIn(options.indexes, later.from, later.to) } : {}), ...(options.unique ? { unique: renameIn(options.unique, later.from, later.to) } : {}) },
          },
        ];
      case 'addIndex':
        return [{ ...earlier, options: { ...options, indexes: [...(options.indexes ?? []), later.fields] } }];
      case 'addConstraint':
        return [{ ...earlier, options: { ...options, unique: [...(options.unique ?? []), later.unique] } }];
      default:
        return undefined;
    }
  }
  if (earlier.type === 'addField' && 'table' in later && later.table === earlier.table && 'name' in later && later.name === earlier.name) {
    if (later.type === 'removeField') return [];
    if (later.type === 'alterField' && earlier.preserveDefault !== false) return [{ ...earlier, field: later.field }];
  }
  return undefined;
}

/** The operations, folded until nothing more folds. */
export function optimize(operations: readonly Operation[]): Operation[] {
  let current = [...operations];
  for (let changed = true; changed; ) {
    changed = false;
    outer: for (let j = 1; j < current.length; j++) {
      const later = current[j] as Operation;
      const laterTables = tablesOf(later);
      if (laterTables === undefined) continue;
      // The nearest earlier operation on the same table, with nothing between that refers to it.
      for (let i = j - 1; i >= 0; i--) {
        const earlier = current[i] as Operation;
        const table = 'table' in earlier ? earlier.table : undefined;
        if (table !== undefined && laterTables.has(table)) {
          const folded = fold(earlier, later);
          if (folded) {
            current = [...current.slice(0, i), ...folded, ...current.slice(i + 1, j), ...current.slice(j + 1)];
            changed = true;
            break outer;
          }
        }
        if ([...laterTables].some((name) => touches(earlier, name))) break;
      }
    }
  }
  return current;
}
