/**
 * Questions a command asks before it destroys something, as Django's do:
 * only on a terminal, and never with `--noinput`, which scripts, CI and
 * containers pass.
 */
import { createInterface } from 'node:readline/promises';
import { flag, type OptionSpec, type ParsedArgs } from './base.js';

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

/** Asks `question` on the terminal and resolves to the answer, trimmed. */
export async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}
