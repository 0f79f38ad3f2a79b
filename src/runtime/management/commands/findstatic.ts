/**
 * `manage findstatic PATH [PATH…] [--first] [-v 0..2]`: Django's command,
 * showing which file the finders (STATICFILES_DIRS, then each app's
 * `static/`) give for a static path — the one collectstatic and runserver
 * use — and, with `-v 2`, the others it hides and where it looked. Exit 1
 * when a path is found nowhere.
 */
import { resolve } from 'node:path';
import { manageCommand } from '../../conf/manage-command.js';
import { configure } from '../../conf/settings.js';
import { projectFinders, safeRelativePath, StaticFinders } from '../../staticfiles/finders.js';
import { CommandError, flag, stringOption, type Command } from '../base.js';

function verbosity(value: string | undefined): number {
  if (value === undefined) return 1;
  if (/^[0-3]$/.test(value)) return Number(value);
  throw new CommandError(`findstatic: argument -v/--verbosity: invalid choice: '${value}' (choose from '0', '1', '2', '3')`, 2);
}

const command: Command = {
  help: 'Shows which file the static finders give for each path, and (-v 2) the others they hide.',
  args: 'PATH [PATH…]',
  options: {
    first: { type: 'boolean', help: 'only the file that is used, even with -v 2' },
    verbosity: { type: 'string', short: 'v', metavar: '{0,1,2,3}', help: '0 bare paths, 1 the file used (default), 2 also the files it hides and the folders searched' },
  },
  async handle(args) {
    const level = verbosity(stringOption(args, 'verbosity'));
    if (args.positionals.length === 0) throw new CommandError(`findstatic: give at least one static path, e.g. ${manageCommand('findstatic css/site.css')}`, 2);
    const settings = await configure();
    const baseDir = settings.BASE_DIR ?? process.cwd();
    const project = projectFinders(baseDir, settings.STATICFILES_DIRS, settings.INSTALLED_APPS);
    const finders = new StaticFinders(project.sources.map((source) => ({ prefix: source.prefix, dir: resolve(baseDir, source.dir) })));
    let missing = 0;
    for (const path of args.positionals) {
      const relative = safeRelativePath(path.replace(/^\/+/, ''));
      const found = relative === undefined ? [] : finders.findAll(relative);
      if (found.length === 0) {
        missing += 1;
        if (level >= 1) process.stderr.write(`No matching file found for '${path}'.\n`);
      } else {
        const shown = level >= 2 && !flag(args, 'first') ? found : found.slice(0, 1);
        if (level === 0) process.stdout.write(`${shown.join('\n')}\n`);
        else process.stdout.write(`Found '${path}' here:\n${shown.map((file, index) => `  ${file}${index > 0 ? '  (hidden by the first)' : ''}`).join('\n')}\n`);
      }
      if (level >= 2) {
        process.stdout.write(`Looking in the following locations:\n${finders.sources.map((source) => `  ${source.dir}${source.prefix ? `  (as '${source.prefix}/')` : ''}`).join('\n')}\n`);
      }
    }
    return missing > 0 ? 1 : 0;
  },
};

export default command;
