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
