/**
 * Questions a command asks before it destroys something, as Django's do:
 * only on a terminal, and never with `--noinput`, which scripts, CI and
 * containers pass.
 */
import { createInterface } from 'node:readline/promises';
import { CommandError, flag, type OptionSpec, type ParsedArgs } from './base.js';

/** `--noinput`, and its Django alias `--no-input`. */
export const NOINPUT_OPTIONS: Record<string, OptionSpec> = {
  noinput: { type: 'boolean', help: 'do NOT prompt for confirmation (required when stdin is not a terminal)' },
  'no-input': { type: 'boolean', help: 'same as --noinput' },
};

export function noInput(args: ParsedArgs): boolean {
  return flag(args, 'noinput') || flag(args, 'no-input');
}

/** Whether there is someone to ask: stdin is a terminal. */
export function canAsk(): boolean {
  return process.stdin.isTTY === true;
}

/**
 * Asks `question` on the terminal and resolves to the answer, trimmed. The
 * question goes to `output`: stdout, as Django's do, or stderr for a command
 * whose stdout is a report. Ctrl-C or Ctrl-D cancels the command (exit 130
 * or 1) with a line, not a stack.
 */
export async function ask(question: string, output: NodeJS.WritableStream = process.stdout): Promise<string> {
  const rl = createInterface({ input: process.stdin, output });
  try {
    return (await rl.question(question)).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ABORT_ERR') throw error;
    output.write('\n');
    throw new CommandError('Cancelled.', /Ctrl\+C/.test((error as Error).message) ? 130 : 1);
  } finally {
    rl.close();
  }
}

/**
 * Asks for a secret on the terminal without echoing it (a password).
 * Backspace edits; Ctrl-C cancels (exit 130), Ctrl-D too (exit 1).
 */
export async function askHidden(question: string, output: NodeJS.WritableStream = process.stdout): Promise<string> {
  const stdin = process.stdin;
  output.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      output.write('\n');
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (char === '\u0003' || char === '\u0004') {
          finish();
          reject(new CommandError('Cancelled.', char === '\u0003' ? 130 : 1));
          return;
        }
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
        else if (char >= ' ') value += char;
      }
    };
    stdin.on('data', onData);
  });
}
