/**
 * `manage sqlmigrate APP MIGRATION [--backwards]`, after Django's: prints the
 * SQL a migration runs on this project's database, without running it.
 */
import { captureQueries, hasTransactionalDdl, statementText } from '../../db/migrations/index.js';
import { CommandError, flag, type Command } from '../base.js';
import { DATABASE_OPTION, withMigrations } from '../database.js';

const command: Command = {
  help: "Prints the SQL of a migration for this project's database (parameters written in), without running it.",
  args: 'APP MIGRATION',
  options: {
    backwards: { type: 'boolean', help: "the SQL of down() instead of up()" },
    ...DATABASE_OPTION,
  },
  async handle(args) {
    const [app, name, extra] = args.positionals;
    if (app === undefined || name === undefined || extra !== undefined) throw new CommandError('sqlmigrate takes an app and a migration: manage sqlmigrate pages 0001', 2);
    return withMigrations(args, async ({ graph, connection }) => {
      const migration = graph.resolve(app, name);
      const backend = connection.target.backend;
      const run = flag(args, 'backwards') ? migration.module.down : migration.module.up;
      if (!run) throw new CommandError(`${migration.key} exports no down(db): it cannot be unapplied.`);
      const queries = await captureQueries(backend, (db) => run(db));
      const atomic = hasTransactionalDdl(backend);
      const lines = [
        `-- ${migration.key}${flag(args, 'backwards') ? ' (backwards)' : ''} on ${connection.label}`,
        ...(atomic ? ['BEGIN;'] : []),
        ...(queries.length > 0 ? queries.map(statementText) : ['-- (no SQL: the migration runs no queries)']),
        ...(atomic ? ['COMMIT;'] : []),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    });
  },
};

export default command;
