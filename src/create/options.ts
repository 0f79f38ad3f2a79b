/** The generator's command line, parsed with yargs: create a project (the default) or `upgrade` one. */
import yargs from 'yargs';
import { DATABASES, type DatabaseName } from './database.js';
import { CreateError } from './errors.js';
import { PACKAGE_MANAGERS, type PackageManagerName } from './package-manager.js';

/** How much is printed; `json` prints one JSON object on stdout and nothing else there. */
export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
}

/** The answers a flag gives; undefined ones are asked on a terminal, or take their default. */
export interface CreateOptions extends OutputOptions {
  /** A name (`mysite`), a path (`../sites/mysite`) or `.` for the current folder. */
  target: string | undefined;
  database: DatabaseName | undefined;
  example: boolean | undefined;
  pm: PackageManagerName | undefined;
  git: boolean | undefined;
  install: boolean | undefined;
  yes: boolean;
  force: boolean;
  dryRun: boolean;
  offline: boolean;
}

export interface UpgradeOptions extends OutputOptions {
  dryRun: boolean;
}

export type Command = { command: 'create'; options: CreateOptions } | { command: 'upgrade'; options: UpgradeOptions };

export const USAGE = `Usage: create-tsgate-project <name|path> [options]
   or: create-tsgate-project upgrade [--dry-run]

Creates a TypeScript web project on the tsgate runtime. On a terminal it asks
for what the options do not say; elsewhere (CI, pipes, --yes) it takes the defaults.`;

const EPILOG = `Examples:
  create-tsgate-project mysite                   ask, then create ./mysite
  create-tsgate-project mysite --yes             defaults: SQLite, example app, install, git
  create-tsgate-project shop --database postgres --no-example --pm pnpm
  create-tsgate-project . --force                into the current folder, named after it
  create-tsgate-project blog --dry-run           show the files, write nothing
  create-tsgate-project blog --json --no-install one JSON object on stdout, for tools
  create-tsgate-project upgrade --dry-run        in a project: what upgrade would change

Exit codes: 0 done, 1 failed (nothing left behind; upgrade: conflicts to resolve),
2 bad usage, 130 cancelled or interrupted.`;

/** The flags both commands read. */
function outputOptions(args: { json?: boolean; quiet?: boolean; verbose?: boolean }): OutputOptions {
  if (args.quiet && args.verbose) throw new CreateError('--quiet and --verbose say opposite things: give one', 2);
  return { json: args.json ?? false, quiet: args.quiet ?? false, verbose: args.verbose ?? false };
}

/** The command, or undefined when --help or --version was answered. */
export async function parseOptions(argv: string[]): Promise<Command | undefined> {
  let upgrade: UpgradeOptions | undefined;
  const parser = yargs(argv)
    .scriptName('create-tsgate-project')
    .usage(USAGE)
    .epilog(EPILOG)
    .option('json', { type: 'boolean', default: false, global: true, describe: 'print one JSON object on stdout (files, next steps, warnings); asks nothing' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, global: true, describe: 'print errors only' })
    .option('verbose', { type: 'boolean', default: false, global: true, describe: 'also print the template, the choices and git\'s outcome' })
    .command('$0 [target]', false)
    .command(
      'upgrade',
      'inside a generated project: update vendor/ to this generator\'s tsgate and merge template changes into your files',
      (y) => y.option('dry-run', { type: 'boolean', default: false, describe: 'show the plan, write nothing' }),
      (args) => {
        upgrade = { ...outputOptions(args), dryRun: args['dry-run'] };
      },
    )
    .positional('target', { type: 'string', describe: 'project name or folder' })
    .option('database', { type: 'string', choices: DATABASES, describe: 'sqlite (default), postgres or mysql' })
    .option('example', { type: 'boolean', describe: 'include the example app pages/ (default; --no-example to leave it out)' })
    .option('pm', { type: 'string', choices: PACKAGE_MANAGERS, describe: 'package manager (default: the one running this, else npm)' })
    .option('install', { type: 'boolean', describe: 'install dependencies (default; --no-install to skip)' })
    .option('git', { type: 'boolean', describe: 'initialise a git repository with a first commit (default; --no-git to skip)' })
    .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'ask nothing: take the default for anything not given' })
    .option('force', { type: 'boolean', default: false, describe: 'write into a folder that is not empty' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'print the files it would write, write nothing' })
    .option('offline', { type: 'boolean', default: false, describe: 'install from the package cache only (passed to the package manager)' })
    .strict()
    .exitProcess(false)
    .fail((message, error) => {
      throw new CreateError(error?.message ?? message, 2);
    })
    .help()
    .alias('help', 'h')
    .version()
    .alias('version', 'v')
    .wrap(Math.min(100, process.stdout.columns ?? 100));
  const args = await parser.parseAsync();
  if (args.help === true || args.version === true) return undefined;
  if (upgrade) return { command: 'upgrade', options: upgrade };
  const target = args.target === undefined ? undefined : String(args.target);
  return {
    command: 'create',
    options: {
      ...outputOptions(args),
      target,
      database: args.database as DatabaseName | undefined,
      example: args.example,
      pm: args.pm as PackageManagerName | undefined,
      git: args.git,
      install: args.install,
      yes: args.yes,
      force: args.force,
      dryRun: args['dry-run'],
      offline: args.offline,
    },
  };
}
