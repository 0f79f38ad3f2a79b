/**
 * `manage <command> [options]`: finds the command, parses its options,
 * runs `handle()` and turns known errors into a message and an exit code.
 */
import { ImproperlyConfigured } from '../conf/errors.js';
import { setModuleRoot } from '../conf/modules.js';
import { SETTINGS_MODULE_VARIABLE } from '../conf/settings.js';
import { DatabaseError } from '../db/errors.js';
import { DatabaseUrlError } from '../db/url.js';
import { OptionError } from '../server/options.js';
import { COMMON_OPTIONS, parseCommandLine } from './args.js';
import { CommandError, type Command } from './base.js';
import { COMMANDS } from './commands/index.js';

export interface ExecuteOptions {
  /** The folder dotted module names start from: the one holding manage.ts (or dist/manage.js). */
  root: string | URL;
  /** The program name shown in help. */
  prog?: string;
}

function listCommands(prog: string): string {
  const names = Object.keys(COMMANDS).sort();
  const width = Math.max(...names.map((name) => name.length));
  const lines = names.map((name) => `    ${name.padEnd(width)}  ${COMMANDS[name]?.summary ?? ''}`);
  return `Type '${prog} help <subcommand>' for help on a specific subcommand.\n\nAvailable subcommands:\n\n[tsgate]\n${lines.join('\n')}\n`;
}

export function commandHelp(prog: string, name: string, command: Command): string {
  const options = { ...command.options, ...COMMON_OPTIONS };
  const rows = Object.entries(options).map(([option, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '';
    const value = spec.type === 'string' ? ` ${spec.metavar ?? option.toUpperCase()}` : '';
    return [`  ${short}--${option}${value}`, spec.help] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length));
  const table = rows.map(([left, help]) => `${left.padEnd(width)}  ${help}`).join('\n');
  return `usage: ${prog} ${name} [options]${command.args ? ` ${command.args}` : ''}\n\n${command.help}\n\noptions:\n${table}\n`;
}

async function run(argv: string[], prog: string): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    const entry = topic === undefined ? undefined : COMMANDS[topic];
    if (topic !== undefined && !entry) throw new CommandError(`Unknown command: '${topic}'. Type '${prog} help' for usage.`);
    process.stdout.write(entry && topic ? commandHelp(prog, topic, await entry.load()) : listCommands(prog));
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) throw new CommandError(`Unknown command: '${name}'. Type '${prog} help' for usage.`);
  const command = await entry.load();
  const args = parseCommandLine(name, command.options, rest);
  if (args.values.help === true) {
    process.stdout.write(commandHelp(prog, name, command));
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
  try {
    const code = await run(argv, options.prog ?? 'manage');
    if (code !== undefined) process.exitCode = code;
  } catch (error) {
    process.exitCode = reportCommandError(error);
  }
}
