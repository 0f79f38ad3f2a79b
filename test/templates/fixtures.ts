import { fileURLToPath } from 'node:url';
import { createTemplateEngine, type TemplateEngine, type TemplateEngineOptions } from '../../src/runtime/templates/index.js';

const fixtures = fileURLToPath(new URL('../fixtures/templates/', import.meta.url));

/** The project's templates/ folder, then the blog app's: DIRS, then APP_DIRS. */
export const projectDir = `${fixtures}project/templates`;
export const appDir = `${fixtures}apps/blog/templates`;

export function engine(options: Partial<TemplateEngineOptions> = {}): TemplateEngine {
  return createTemplateEngine({ dirs: [projectDir, appDir], debug: false, ...options });
}

/** The error `run` throws; fails the test when it throws none. */
export function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error('expected an error, but none was thrown');
}

/** Collapses runs of whitespace, so assertions need not track template indentation. */
export function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
