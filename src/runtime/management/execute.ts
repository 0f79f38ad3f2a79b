/**
 * `manage <command> [options]`: finds the command, parses its options,
 * runs `handle()` and turns known errors into a message and an exit code.
 * Every command it shows is one the user can paste: `npm run manage --
 * help` in development, `node dist/manage.js help` once built.
 */
import { closestName } from '../conf/checks.js';
import { ImproperlyConfigured } from '../conf/errors.js';
import { manageCommand, manageProgram, setManageProgram } from '../conf/manage-command.js';
import { setModuleRoot } from '../conf/modules.js';
import { SETTINGS_MODULE_VARIABLE } from '../conf/settings.js';
import { DatabaseError } from '../db/errors.js';
import { DatabaseUrlError } from '../db/url.js';
import { OptionError } from '../server/errors.js';
import { COMMON_OPTIONS, parseCommandLine } from './args.js';
import { CommandError, type Command } from './base.js';
import { COMMANDS } from './commands/index.js';
import { swallowedByNpm, withDashes } from './npm-flags.js';

export interface ExecuteOptions {
  /** The folder dotted module names start from: the one holding manage.ts (or dist/manage.js). */
  root: string | URL;
  /** How the user runs manage, shown in help and hints; by default worked out from the entry file and the package manager. */
  prog?: string;
}

function listCommands(): string {
  const names = Object.keys(COMMANDS).sort();
  const width = Math.max(...names.map((name) => name.length));
  const lines = names.map((name) => `    ${name.padEnd(width)}  ${COMMANDS[name]?.summary ?? ''}`);
  return `Type '${manageCommand('help <subcommand>')}' for help on a specific subcommand.\n\nAvailable subcommands:\n\n[tsgate]\n${lines.join('\n')}\n`;
}

export function commandHelp(name: string, command: Command): string {
  const options = { ...command.options, ...COMMON_OPTIONS };
  const rows = Object.entries(options).map(([option, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '';
    const value = spec.type === 'string' ? ` ${spec.metavar ?? option.toUpperCase()}` : '';
    return [`  ${short}--${option}${value}`, spec.help] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length));
  const table = rows.map(([left, help]) => `${left.padEnd(width)}  ${help}`).join('\n');
  return `usage: ${manageProgram()} ${name} [options]${command.args ? ` ${command.args}` : ''}\n\n${command.help}\n\noptions:\n${table}\n`;
}

/** Django's answer to a mistyped command, with the closest one when there is one. */
function unknownCommand(name: string): CommandError {
  const match = closestName(name, Object.keys(COMMANDS));
  return new CommandError(`Unknown command: '${name}'.${match ? ` Did you mean ${match}?` : ''}\nType '${manageCommand('help')}' for usage.`, 2);
}

/** Refuses to run a command some of whose options npm kept for itself (`npm run manage migrate --plan`). */
function refuseSwallowed(argv: string[], command: Command): void {
  const swallowed = swallowedByNpm({ ...command.options, ...COMMON_OPTIONS });
  if (swallowed.length === 0) return;
  const flags = swallowed.map((option) => option.flag.split('=')[0]).join(' ');
  throw new CommandError(
    `npm kept ${flags} for itself, so ${argv[0]} did not see ${swallowed.length > 1 ? 'them' : 'it'}, and nothing was run. ` +
      `npm passes a script only what comes after --. ` +
      (swallowed.some((option) => option.detached) ? 'Type the line again with -- after the script name:' : 'Type:') +
      `\n  ${withDashes(argv, swallowed)}`,
    2,
  );
}

async function run(argv: string[]): Promise<number> {
  // pnpm passes the `--` of `pnpm manage -- migrate` on to the script.
  if (argv[0] === '--') argv = argv.slice(1);
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic === undefined) {
      process.stdout.write(listCommands());
      return 0;
    }
    const entry = COMMANDS[topic];
    if (!entry) throw unknownCommand(topic);
    process.stdout.write(commandHelp(topic, await entry.load()));
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) throw unknownCommand(name);
  const command = await entry.load();
  refuseSwallowed(argv, command);
  const args = parseCommandLine(name, command.options, rest);
  if (args.values.help === true) {
    process.stdout.write(commandHelp(name, command));
    return 0;
  }
  if (typeof args.values.settings === 'string') process.env[SETTINGS_MODULE_VARIABLE] = args.values.settings;
  return (await command.handle(args)) ?? 0;
}

/** Prints a user-facing error, without a stack, and gives its exit code. */
export function reportCommandError(error: unknown): number {
  if (error instanceof CommandError) {
    process.stderr.write(`CommandError: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof ImproperlyConfigured || error instanceof OptionError || error instanceof DatabaseError || error instanceof DatabaseUrlError) {
    process.stderr.write(`${error.name}: ${error.message}\n`);
    return error instanceof OptionError ? 2 : 1;
  }
  throw error;
}

/**
 * Runs one manage command. Sets `process.exitCode` rather than exiting, so a
 * command that serves keeps the process alive.
 */
export async function executeFromCommandLine(argv: string[], options: ExecuteOptions): Promise<void> {
  setModuleRoot(options.root);
  if (options.prog !== undefined) setManageProgram(options.prog);
  try {
    const code = await run(argv);
    if (code !== undefined) process.exitCode = code;
  } catch (error) {
    process.exitCode = reportCommandError(error);
  }
}
