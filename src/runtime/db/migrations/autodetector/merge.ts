/**
 * What `makemigrations --merge` checks before joining an app's branches,
 * after Django's: the operations each branch added since they parted, and
 * the models and fields both branches touch. Two branches that change the
 * same field (or one deletes a model the other alters) may not mean the same
 * thing together, so that is asked, never merged silently.
 */
import type { MigrationGraph } from '../graph.js';
import type { Operation } from '../operations/operations.js';
import type { MigrationFile } from '../types.js';

/** What an operation touches: `table` for the whole model, `table.field` for one field; undefined for raw SQL or code. */
export function touched(operation: Operation): string[] | undefined {
  switch (operation.type) {
    case 'createModel':
    case 'deleteModel':
      return [operation.table];
    case 'renameModel':
      return [operation.from, operation.to];
    case 'addField':
    case 'removeField':
    case 'alterField':
      return [`${operation.table}.${operation.name}`];
    case 'renameField':
      return [`${operation.table}.${operation.from}`, `${operation.table}.${operation.to}`];
    case 'addIndex':
    case 'removeIndex':
      return operation.fields.map((name) => `${operation.table}.${name}`);
    case 'addConstraint':
    case 'removeConstraint':
      return operation.unique.map((name) => `${operation.table}.${name}`);
    case 'runSql':
    case 'runCode':
      return undefined;
  }
}

/** Whether two touched names meet: the same field, or a field of a model the other touches whole. */
function meet(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

export interface Branch {
  leaf: MigrationFile;
  /** The branch's own migrations since it parted from the others, in order. */
  migrations: MigrationFile[];
}

export interface MergeConflict {
  /** What both touch, e.g. `blog_note.rating`. */
  what: string;
  /** The migrations of each side that touch it. */
  left: string;
  right: string;
}

/** The branches that end at `leaves`. */
export function branches(graph: MigrationGraph, leaves: readonly MigrationFile[]): Branch[] {
  return leaves.map((leaf) => ({
    leaf,
    migrations: graph.branchSince(
      leaf.key,
      leaves.filter((other) => other !== leaf).map((other) => other.key),
    ),
  }));
}

/**
 * What two or more branches both touch. Hand-written migrations (up/down)
 * and runSql/runCode operations say nothing of what they touch, so they
 * are not compared (Django's merge does not either).
 */
export function mergeConflicts(list: readonly Branch[]): MergeConflict[] {
  const found: MergeConflict[] = [];
  const touches = list.map((branch) =>
    branch.migrations.flatMap((migration) => (migration.module.operations ?? migration.module.state ?? []).flatMap((operation) => (touched(operation) ?? []).map((what) => ({ what, by: migration.name })))),
  );
  for (let i = 0; i < touches.length; i++) {
    for (let j = i + 1; j < touches.length; j++) {
      for (const a of touches[i] ?? []) {
        for (const b of touches[j] ?? []) {
          if (!meet(a.what, b.what)) continue;
          const what = a.what.length >= b.what.length ? a.what : b.what;
          if (!found.some((conflict) => conflict.what === what && conflict.left === a.by && conflict.right === b.by)) found.push({ what, left: a.by, right: b.by });
        }
      }
    }
  }
  return found;
}

/** The merge migration's name, after Django's: `merge_0003_tags_0003_rating`, or `merge_<date>` when that is too long. */
export function mergeName(leaves: readonly MigrationFile[]): string {
  const name = `merge_${leaves.map((leaf) => leaf.name).join('_')}`;
  if (name.length <= 60) return name;
  return `merge_${new Date().toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '_')}`;
}
