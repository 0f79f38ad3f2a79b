/** The generator's command line, parsed with yargs: create a project (the default) or `upgrade` one. */
import yargs, { type Options } from 'yargs';
import { DATABASES, type DatabaseName } from './database.js';
import { CreateError } from './errors.js';
import { PACKAGE_MANAGERS, type PackageManagerName } from './package-manager.js';
import { closest } from './suggest.js';

/** What `--services` may name. */
export const SERVICES = ['redis'] as const;
export type ServiceName = (typeof SERVICES)[number];

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
  /** Services beside the database in the deployment files (`--services redis`). */
  services: ServiceName[] | undefined;
  example: boolean | undefined;
  /** tsgate/auth: `login` (the default: users, login, password reset), `signup` (visitors may make accounts too), `none` (--no-auth). */
  auth: AuthChoice | undefined;
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

export const AUTH_CHOICES = ['login', 'signup', 'none'] as const;
export type AuthChoice = (typeof AUTH_CHOICES)[number];

/** `--auth signup`, `--auth login`, or `--no-auth` (yargs gives false for it). */
function authChoice(value: unknown): AuthChoice | undefined {
  if (value === undefined) return undefined;
  if (value === false) return 'none';
  if ((AUTH_CHOICES as readonly unknown[]).includes(value)) return value as AuthChoice;
  const meant = typeof value === 'string' ? closest(value, AUTH_CHOICES) : undefined;
  throw new CreateError(`--auth ${String(value) || '(nothing)'} is not one of login, signup (or --no-auth to leave tsgate/auth out)${meant ? ` — did you mean --auth ${meant}?` : ''}`, 2);
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
  create-tsgate-project club --auth signup       visitors may sign up (default: login only; --no-auth: none)
  create-tsgate-project shop --database postgres --services redis
  create-tsgate-project . --force                into the current folder, named after it
  create-tsgate-project blog --dry-run           show the files, write nothing
  create-tsgate-project blog --json --no-install one JSON object on stdout, for tools
  create-tsgate-project upgrade --dry-run        in a project: what upgrade would change

Exit codes: 0 done, 1 failed (nothing left behind; upgrade: conflicts to resolve),
2 bad usage, 130 cancelled or interrupted.`;

/** The output flags, as both commands take them. */
function outputOptions(args: { json?: boolean; quiet?: boolean; verbose?: boolean }): OutputOptions {
  if (args.quiet && args.verbose) throw new CreateError('--quiet and --verbose say opposite things: give one', 2);
  return { json: args.json ?? false, quiet: args.quiet ?? false, verbose: args.verbose ?? false };
}

/** The flags both commands read. */
const OUTPUT_OPTIONS = {
  json: { type: 'boolean', default: false, global: true, describe: 'print one JSON object on stdout (files, next steps, warnings); asks nothing' },
  quiet: { alias: 'q', type: 'boolean', default: false, global: true, describe: 'print errors only' },
  verbose: { type: 'boolean', default: false, global: true, describe: "also print the template, the choices and git's outcome" },
} as const satisfies Record<string, Options>;

/** The flags of `create` (`dry-run` is upgrade's too). */
const CREATE_OPTIONS = {
  database: { type: 'string', choices: DATABASES, describe: 'sqlite (default), postgres or mysql' },
  services: { type: 'string', array: true, choices: SERVICES, describe: 'services beside the database: redis (TASKS_URL on Redis, a redis container in compose)' },
  example: { type: 'boolean', describe: 'include the example app pages/ (default; --no-example to leave it out)' },
  auth: { type: 'string', describe: 'users and login (tsgate/auth): login (default), signup to let visitors make accounts; --no-auth to leave it out' },
  pm: { type: 'string', choices: PACKAGE_MANAGERS, describe: 'package manager (default: the one running this, else npm)' },
  install: { type: 'boolean', describe: 'install dependencies (default; --no-install to skip)' },
  git: { type: 'boolean', describe: 'initialise a git repository with a first commit (default; --no-git to skip)' },
  yes: { alias: 'y', type: 'boolean', default: false, describe: 'ask nothing: take the default for anything not given' },
  force: { type: 'boolean', default: false, describe: 'write into a folder that is not empty' },
  'dry-run': { type: 'boolean', default: false, describe: 'print the files it would write, write nothing' },
  offline: { type: 'boolean', default: false, describe: 'install from the package cache only (passed to the package manager)' },
} as const satisfies Record<string, Options>;

const ALL_OPTIONS: Record<string, Options> = { ...OUTPUT_OPTIONS, ...CREATE_OPTIONS, help: { alias: 'h', type: 'boolean' }, version: { alias: 'v', type: 'boolean' } };

/** Whether `name`, as typed after `--` or `-` (`dry-run`, `no-git`, `y`), is an option of ours. */
function isKnown(name: string): boolean {
  if (name.startsWith('no-') && (ALL_OPTIONS[name.slice(3)]?.type === 'boolean' || name === 'no-auth')) return true;
  return name in ALL_OPTIONS || Object.values(ALL_OPTIONS).some((option) => option.alias === name);
}

/** The flags in `argv` that are no option of ours, as typed: `--yse`, `-x`. */
function unknownFlags(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).flatMap((arg) => {
    const long = /^--([^=]+)/.exec(arg)?.[1];
    if (long !== undefined) return isKnown(long) ? [] : [`--${long}`];
    const letters = /^-([^-=][^=]*)/.exec(arg)?.[1] ?? '';
    return [...letters].filter((letter) => !isKnown(letter)).map((letter) => `-${letter}`);
  });
}

/** What a user may have meant by a long flag: every option, and `no-` before each yes/no one. */
function longFlags(): string[] {
  const names = Object.keys({ ...OUTPUT_OPTIONS, ...CREATE_OPTIONS });
  return [...names, 'no-auth', ...names.filter((name) => ALL_OPTIONS[name]?.type === 'boolean').map((name) => `no-${name}`)];
}

/** yargs' message for an unknown flag or a value not among the choices, with what was most likely meant. */
function withSuggestion(message: string, argv: readonly string[]): string {
  const choice = /^Invalid values:\s*Argument: (\S+), Given: "(.*)", Choices: (.*)$/s.exec(message);
  if (choice) {
    const [, option = '', given = '', listed = ''] = choice;
    const meant = closest(given, (ALL_OPTIONS[option]?.choices as readonly string[] | undefined) ?? []);
    return `--${option} ${given} is not one of ${listed.replaceAll('"', '')}${meant ? ` — did you mean --${option} ${meant}?` : ''}`;
  }
  const unknown = /^Unknown arguments?:/.test(message) ? unknownFlags(argv) : [];
  if (unknown.length === 0) return message;
  return unknown
    .map((flag) => {
      const meant = flag.startsWith('--') ? closest(flag.slice(2), longFlags()) : undefined;
      return `unknown option ${flag}${meant ? ` — did you mean --${meant}?` : ''}`;
    })
    .join('; ');
}

/** The command, or undefined when --help or --version was answered. */
export async function parseOptions(argv: string[]): Promise<Command | undefined> {
  let upgrade: UpgradeOptions | undefined;
  const parser = yargs(argv)
    .scriptName('create-tsgate-project')
    .usage(USAGE)
    .epilog(EPILOG)
    .options(OUTPUT_OPTIONS)
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
    .options(CREATE_OPTIONS)
    .strict()
    .exitProcess(false)
    .fail((message, error) => {
      throw new CreateError(error?.message ?? withSuggestion(message, argv), 2);
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
      services: args.services === undefined ? undefined : [...new Set(args.services as ServiceName[])],
      example: args.example,
      auth: authChoice(args.auth),
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
