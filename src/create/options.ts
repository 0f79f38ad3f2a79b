/** The generator's command line, parsed with yargs. */
import yargs from 'yargs';
import { CreateError } from './errors.js';

export interface CreateOptions {
  /** A name (`mysite`), a path (`../sites/mysite`) or `.` for the current folder; undefined when not given. */
  target: string | undefined;
  yes: boolean;
  force: boolean;
  install: boolean;
  git: boolean;
}

export const USAGE = `Usage: create-tsgate-project <name|path> [options]

Creates a TypeScript web project on the tsgate runtime.

Examples:
  create-tsgate-project mysite
  create-tsgate-project ../sites/shop --no-install --no-git
  create-tsgate-project . --force`;

/** The options, or undefined when --help or --version was answered. */
export async function parseOptions(argv: string[]): Promise<CreateOptions | undefined> {
  const parser = yargs(argv)
    .scriptName('create-tsgate-project')
    .usage(USAGE)
    .command('$0 [target]', false)
    .positional('target', { type: 'string', describe: 'project name or folder' })
    .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'take the default for anything not given' })
    .option('force', { type: 'boolean', default: false, describe: 'write into a folder that is not empty' })
    .option('install', { type: 'boolean', default: true, describe: 'install dependencies (--no-install to skip)' })
    .option('git', { type: 'boolean', default: true, describe: 'initialise a git repository (--no-git to skip)' })
    .strict()
    .exitProcess(false)
    .fail((message, error) => {
      throw new CreateError(error?.message ?? message, 2);
    })
    .help()
    .version();
  const args = await parser.parseAsync();
  if (args.help === true || args.version === true) return undefined;
  const target = args.target === undefined ? undefined : String(args.target);
  return { target, yes: args.yes, force: args.force, install: args.install, git: args.git };
}
