/**
 * The shape every manage command shares, after Django's BaseCommand: its
 * options, a `handle()`, and one error type whose message is shown to the
 * user without a stack trace.
 */

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in help, e.g. `ADDRESS`. */
  metavar?: string;
  help: string;
}

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
}

export interface Command {
  /** One line, shown by `manage help`. */
  help: string;
  /** Positional arguments, e.g. `[APP_SPEC]`. */
  args?: string;
  options: Record<string, OptionSpec>;
  /** Returns the exit code; a command that keeps serving never returns. */
  handle(args: ParsedArgs): Promise<number | undefined>;
}

/** A user mistake or a failure with a known cause: printed as `CommandError: …`, exit code 1 or 2 (usage). */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function stringList(args: ParsedArgs, name: string): string[] {
  const value = args.values[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}
