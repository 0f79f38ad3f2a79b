import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Loads `<dir>/.env` into process.env outside production. Variables already
 * in the environment win, so a deployment's real settings are never
 * overridden by a stray file.
 */
export function loadDotEnv(dir: string, environment: NodeJS.ProcessEnv = process.env): boolean {
  if (environment.NODE_ENV === 'production') return false;
  const file = join(dir, '.env');
  if (!existsSync(file)) return false;
  process.loadEnvFile(file);
  return true;
}
