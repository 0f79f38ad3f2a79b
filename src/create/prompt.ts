import { createInterface } from 'node:readline/promises';

/** Whether we may ask: only on a terminal, and never with --yes. */
export function canPrompt(yes: boolean): boolean {
  return !yes && process.stdin.isTTY === true && process.stdout.isTTY === true;
}

export async function askText(question: string, fallback: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = (await rl.question(`${question} (${fallback}) `)).trim();
    return answer || fallback;
  } finally {
    rl.close();
  }
}
