import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { ImproperlyConfigured } from './errors.js';

/**
 * Loads `<dir>/.env` into `environment` (process.env by default) outside
 * production, parsed by dotenv: quotes, `export`, comments and multi-line
 * values as dotenv reads them; a line it cannot read is skipped, as dotenv
 * does. Variables already in the environment win, even when empty, so a
 * deployment's real settings are never overridden by a stray file. Returns
 * whether a file was read.
 */
export function loadDotEnv(dir: string, environment: NodeJS.ProcessEnv = process.env): boolean {
  if (environment.NODE_ENV === 'production') return false;
  const file = join(dir, '.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    throw new ImproperlyConfigured([`cannot read ${file} (${code ?? String(error)}) — make it a readable file, or remove it`]);
  }
  for (const [name, value] of Object.entries(parse(text))) {
    if (!Object.hasOwn(environment, name)) environment[name] = value;
  }
  return true;
}
