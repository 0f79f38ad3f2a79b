/**
 * `manage createcachetable`, Django's name for making the table of database
 * caches. Here that table is the `tsgate.cache` app's migration, so this
 * applies it (as `migrate cache --database ALIAS`) on every database a
 * `db://` cache in CACHES uses — also one `migrate` alone does not touch
 * (a cache on `db://other`).
 */
import { parseCacheUrl } from '../../conf/cache-url.js';
import { configure } from '../../conf/settings.js';
import { CommandError, flag, stringOption, type Command } from '../base.js';

const command: Command = {
  help: "Creates the tsgate_cache table on each database a db:// cache uses (applies the 'tsgate.cache' migrations there).",
  options: {
    database: { type: 'string', metavar: 'ALIAS', help: 'only this database in DATABASES' },
    'dry-run': { type: 'boolean', help: 'show what would be applied, and change nothing' },
  },
  async handle(args) {
    const settings = await configure();
    if (!settings.INSTALLED_APPS.includes('tsgate.cache')) {
      throw new CommandError("The cache table comes with the 'tsgate.cache' app: add it to INSTALLED_APPS, then run this again (or migrate).");
    }
    const only = stringOption(args, 'database');
    const aliases = new Set<string>();
    for (const cache of Object.values(settings.CACHES)) {
      const target = parseCacheUrl(cache.URL);
      if (target.backend === 'db') aliases.add(target.alias);
    }
    if (only !== undefined) {
      if (!(only in settings.DATABASES)) throw new CommandError(`There is no database '${only}' in DATABASES (it has: ${Object.keys(settings.DATABASES).join(', ')}).`);
      aliases.clear();
      aliases.add(only);
    }
    if (aliases.size === 0) {
      process.stdout.write('No cache in CACHES is a database cache (db://): there is no table to create.\n');
      return 0;
    }
    const migrate = (await import('./migrate.js')).default;
    for (const alias of aliases) {
      process.stdout.write(`Cache table on DATABASES['${alias}']:\n`);
      const code = await migrate.handle({ positionals: ['cache'], values: { database: alias, plan: flag(args, 'dry-run') } });
      if (typeof code === 'number' && code !== 0) return code;
    }
    return 0;
  },
};

export default command;
