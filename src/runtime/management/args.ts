import { parseArgs } from 'node:util';
import { SETTINGS_MODULE_VARIABLE } from '../conf/settings.js';
import { CommandError, type OptionSpec, type ParsedArgs } from './base.js';

/** Options every command takes. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  settings: { type: 'string', metavar: 'MODULE', help: `settings module, e.g. mysite.settings (default: $${SETTINGS_MODULE_VARIABLE})` },
  help: { type: 'boolean', short: 'h', help: 'show this help and exit' },
};

/** Parses `argv` against a command's options; a bad flag is a usage error (exit 2) naming `label`. */
export function parseCommandLine(label: string, options: Record<string, OptionSpec>, argv: string[]): ParsedArgs {
  const config = Object.fromEntries(
    Object.entries({ ...options, ...COMMON_OPTIONS }).map(([option, spec]) => [
      option,
      { type: spec.type, multiple: spec.multiple ?? false, ...(spec.short ? { short: spec.short } : {}) },
    ]),
  );
  try {
    const { values, positionals } = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (error) {
    throw new CommandError(`${label}: ${(error as Error).message}`, 2);
  }
}
