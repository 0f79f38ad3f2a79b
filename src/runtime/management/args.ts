import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closestName } from '../conf/checks.js';
import { manageCommand } from '../conf/manage-command.js';
import { SETTINGS_MODULE_VARIABLE } from '../conf/settings.js';
import { CommandError, type OptionSpec, type ParsedArgs } from './base.js';

/** Options every command takes. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  settings: { type: 'string', metavar: 'MODULE', help: `settings module, e.g. mysite.settings (default: $${SETTINGS_MODULE_VARIABLE})` },
  help: { type: 'boolean', short: 'h', help: 'show this help and exit' },
};

/**
 * Parses `argv` against a command's options; a bad flag is a usage error
 * (exit 2) naming `label`, and an unknown one names the option it is
 * closest to (`--worker`: did you mean --workers?) or the help that lists
 * them (`command`'s).
 */
export function parseCommandLine(label: string, options: Record<string, OptionSpec>, argv: string[], command = label): ParsedArgs {
  const all = { ...options, ...COMMON_OPTIONS };
  const config: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(
    Object.entries(all).map(([option, spec]) => [option, { type: spec.type, multiple: spec.multiple ?? false, ...(spec.short ? { short: spec.short } : {}) }]),
  );
  try {
    const { values, positionals } = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (error) {
    const unknown = unknownOption(config, argv);
    if (unknown !== undefined) {
      const match = unknown.startsWith('--') ? closestName(unknown.slice(2), Object.keys(all)) : undefined;
      const hint = match ? `did you mean --${match}?` : `'${manageCommand(`help ${command}`)}' lists the options`;
      throw new CommandError(`${label}: unknown option '${unknown}' — ${hint}`, 2);
    }
    throw new CommandError(`${label}: ${(error as Error).message}`, 2);
  }
}

/** The first option in `argv` that `config` does not have, as typed (`--worker`, `-W`). */
function unknownOption(config: NonNullable<ParseArgsConfig['options']>, argv: string[]): string | undefined {
  const { tokens } = parseArgs({ args: argv, options: config, allowPositionals: true, strict: false, tokens: true });
  const known = new Set(Object.keys(config));
  for (const token of tokens) if (token.kind === 'option' && !known.has(token.name)) return token.rawName;
  return undefined;
}

/**
 * Splits `text` into words as a POSIX shell would (gunicorn reads
 * GUNICORN_CMD_ARGS with Python's shlex.split): whitespace separates,
 * '…' is literal, "…" allows \" and \\, a backslash outside quotes
 * escapes the next character. An unclosed quote is a usage error.
 */
export function shellSplit(text: string, label: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (char === "'" || char === '"') {
      const end = char === "'" ? text.indexOf("'", i + 1) : closingDoubleQuote(text, i + 1);
      if (end < 0) throw new CommandError(`${label}: no closing quotation (${char}) in ${JSON.stringify(text)}`, 2);
      const inner = text.slice(i + 1, end);
      word = (word ?? '') + (char === "'" ? inner : inner.replace(/\\(["\\$`])/g, '$1'));
      i = end;
    } else if (char === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i];
    } else {
      word = (word ?? '') + char;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

function closingDoubleQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/** `word` as a POSIX shell reads it back: as is when plain, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
