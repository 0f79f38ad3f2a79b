/**
 * `makemigrations --merge`, after Django's: for each app whose migrations
 * branched (two leaves, as 0003_tags and 0003_rating from two git
 * branches), writes `NNNN_merge_<a>_<b>.ts`, a migration with no
 * operations that depends on every leaf, so the history is one line again.
 * Branches that touch the same model or field are named first: on a
 * terminal the merge is asked, with --noinput it is refused.
 */
import { join } from 'node:path';
import type { AppConfig } from '../../apps/index.js';
import { branches, mergeConflicts, mergeName } from '../../db/migrations/autodetector/merge.js';
import { migrationSource } from '../../db/migrations/autodetector/writer.js';
import type { MigrationGraph } from '../../db/migrations/graph.js';
import { sourceMigrationsFolder } from '../../db/migrations/loader.js';
import { describeOperation } from '../../db/migrations/operations/operations.js';
import { CommandError } from '../base.js';
import { yes } from '../migration-questions.js';
import { writeWhole } from '../write-whole.js';

export interface MergeOptions {
  /** The apps asked for (all when empty). */
  labels: readonly string[];
  find: (label: string) => AppConfig;
  nextNumber: (app: AppConfig) => number;
  name?: string;
  dryRun: boolean;
  interactive: boolean;
  shown: (file: string) => string;
}

export async function mergeMigrations(graph: MigrationGraph, options: MergeOptions): Promise<number> {
  const conflicts = [...graph.conflicts()].filter(([app]) => options.labels.length === 0 || options.labels.includes(app));
  if (conflicts.length === 0) {
    process.stdout.write('No conflicts detected to merge.\n');
    return 0;
  }
  for (const [label, leaves] of conflicts) {
    const app = options.find(label);
    const sides = branches(graph, leaves);
    process.stdout.write(`Merging ${label}\n`);
    for (const side of sides) {
      process.stdout.write(`  Branch ${side.leaf.name}\n`);
      for (const migration of side.migrations) {
        const operations = migration.module.operations;
        if (!operations) process.stdout.write(`    - ${migration.name}: written by hand (up/down)\n`);
        for (const operation of operations ?? []) process.stdout.write(`    - ${describeOperation(operation)}\n`);
      }
    }
    const clashes = mergeConflicts(sides);
    if (clashes.length > 0) {
      const listed = clashes.map((clash) => `  - ${clash.what}: ${clash.left} and ${clash.right}`).join('\n');
      const said = `Both branches of ${label} change the same models or fields:\n${listed}\nRun in this order, one may undo or break the other.`;
      if (!options.interactive) {
        throw new CommandError(`${said}\nNothing was written. Check the two migrations (rename or redo one so they agree), or run makemigrations --merge on a terminal to merge them as they are.`);
      }
      process.stdout.write(`${said}\n`);
      if (!(await yes('Merge these branches anyway?'))) throw new CommandError('Not merged; nothing was written.');
    }
    const number = String(options.nextNumber(app)).padStart(4, '0');
    const name = `${number}_${options.name ?? mergeName(leaves)}`;
    const file = join(sourceMigrationsFolder(app), `${name}.ts`);
    const text = migrationSource({ app: label, name, operations: [], dependencies: leaves.map((leaf) => [label, leaf.name]), merge: true });
    if (options.dryRun) {
      process.stdout.write(`Would write ${options.shown(file)}:\n${text}`);
    } else {
      await writeWhole(file, text);
      process.stdout.write(`Created new merge migration ${options.shown(file)}\n`);
    }
  }
  return 0;
}
