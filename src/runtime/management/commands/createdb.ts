/**
 * `manage createdb [--database ALIAS]`, after Rails' db:create: creates the
 * database DATABASES names — on its server (as the URL's user, who needs the
 * right to create databases), or the SQLite file — so that `migrate` can
 * make the tables. A database that exists already is not an error.
 */
import { configure } from '../../conf/settings.js';
import { createDatabase } from '../../db/admin.js';
import { closeConnections } from '../../db/connections.js';
import { stringOption, type Command } from '../base.js';
import { DATABASE_OPTION } from '../database.js';

const command: Command = {
  help: "Creates the database DATABASE_URL names (on its server, or the SQLite file), unless it exists; then run migrate.",
  options: { ...DATABASE_OPTION },
  async handle(args) {
    await configure();
    try {
      const { outcome, what } = await createDatabase(stringOption(args, 'database') ?? 'default');
      const line = {
        created: `Created ${what}.`,
        exists: `Nothing to do: ${what} exists already.`,
        'in-memory': `Nothing to create: ${what} is in memory, made afresh by each process.`,
      }[outcome];
      process.stdout.write(`${line}\n`);
      return 0;
    } finally {
      await closeConnections();
    }
  },
};

export default command;
