/**
 * `manage showmigrations [APP …] [--plan]`, after Django's: each app's
 * migrations with `[X]` when applied, or the whole plan in order. Applied
 * migrations whose file changed since, or whose file is gone, are marked.
 */
import type { AppliedMigration, MigrationFile } from '../../db/migrations/index.js';
import { describeOperation } from '../../db/migrations/operations/index.js';
import { flag, stringOption, type Command } from '../base.js';
import { DATABASE_OPTION, readApplied, requireInstalledApp, withMigrations } from '../database.js';

function mark(migration: MigrationFile, applied: ReadonlyMap<string, AppliedMigration>): string {
  return applied.has(migration.key) ? '[X]' : '[ ]';
}

function note(migration: MigrationFile, applied: ReadonlyMap<string, AppliedMigration>): string {
  const row = applied.get(migration.key);
  return row && row.checksum !== migration.checksum ? ' (changed since it was applied)' : '';
}

const command: Command = {
  help: 'Lists the migrations of each app (or of APP …), [X] when applied; --plan lists them in the order migrate runs them.',
  args: '[APP ...]',
  options: {
    plan: { type: 'boolean', short: 'p', help: 'list every migration in the order migrate applies them' },
    verbosity: { type: 'string', short: 'v', metavar: '{0,1,2,3}', help: '2 or more: each migration\'s operations in words too' },
    ...DATABASE_OPTION,
  },
  async handle(args) {
    return withMigrations(args, async (context) => {
      const { graph } = context;
      for (const app of args.positionals) requireInstalledApp(graph.apps, app);
      const applied = await readApplied(context);
      const apps = args.positionals.length > 0 ? args.positionals : graph.apps;
      const lines: string[] = [];
      const detailed = Number(stringOption(args, 'verbosity') ?? '1') >= 2;
      if (flag(args, 'plan')) {
        for (const key of graph.order) {
          const migration = graph.nodes.get(key);
          if (migration && apps.includes(migration.app)) {
            lines.push(`${mark(migration, applied)}  ${key}${note(migration, applied)}`);
            if (detailed) for (const operation of migration.module.operations ?? []) lines.push(`       - ${describeOperation(operation)}`);
          }
        }
        if (lines.length === 0) lines.push('(no migrations)');
      } else {
        for (const app of apps) {
          lines.push(app);
          const migrations = graph.ofApp(app);
          for (const migration of migrations) {
            lines.push(` ${mark(migration, applied)} ${migration.name}${note(migration, applied)}`);
            if (detailed) for (const operation of migration.module.operations ?? []) lines.push(`       - ${describeOperation(operation)}`);
          }
          // Recorded as applied, but no file any more (deleted or renamed after it ran).
          for (const row of applied.values()) {
            if (row.app === app && !graph.nodes.has(`${row.app}.${row.name}`)) lines.push(` [X] ${row.name} (applied, but its file is gone)`);
          }
          if (migrations.length === 0 && ![...applied.values()].some((row) => row.app === app)) lines.push(' (no migrations)');
        }
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    });
  },
};

export default command;
