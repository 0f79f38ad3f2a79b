/**
 * The order test files start in. vitest runs `maxWorkers` files at once and
 * hands the next file to the first free worker, so the run ends no sooner
 * than its longest chain: the files that install a generated project (minutes,
 * mostly waiting on npm and the network) start first, the ones that wait for
 * the shared installed project (test/helpers/installed-project.ts) a little
 * later, so the workers are not all idle waiting on the same install, and
 * every other file after them in vitest's own order (the longest of the
 * previous run first, else the largest file).
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Files by when they start; a file not named here starts after these, in vitest's order. */
export const LONG_FILES: readonly string[] = [
  // Makes the shared installed project, then runs its whole path on a copy.
  'test/e2e/project.test.ts',
  // Install projects of their own (PostgreSQL and MySQL drivers).
  'test/create/database-e2e.test.ts',
  'test/create/postgres-e2e.test.ts',
  'test/management/npm-run.test.ts',
  // Many manage processes on three backends.
  'test/db/migrate.test.ts',
  // Wait for the shared project (a copy of it, or its prebuilt better-sqlite3).
  'test/create/package-managers-e2e.test.ts',
  'test/deploy/runtime-stage.test.ts',
  'test/browser/welcome.test.ts',
  'test/management/apps-project.test.ts',
];

function rank(spec: TestSpecification): number {
  const path = spec.moduleId.replaceAll('\\', '/');
  const index = LONG_FILES.findIndex((file) => path.endsWith(`/${file}`));
  return index === -1 ? LONG_FILES.length : index;
}

export class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // Array.prototype.sort is stable: vitest's order holds within a rank.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
