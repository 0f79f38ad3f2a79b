/**
 * The order test files start in. vitest runs `maxWorkers` files at once and
 * hands the next file to the first free worker, so the run ends no sooner
 * than its longest chain. The longest files (minutes: an installed generated
 * project and many npm runs in it) start first; the other long ones start
 * after a batch of short files, so the four workers are not all held by
 * files that mostly wait on npm and the network while the short, CPU-bound
 * files queue; every other file follows in vitest's own order (the longest
 * of the previous run first, else the largest file).
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Started at once: the longest chains. The first makes the shared installed project (test/helpers/installed-project.ts). */
export const FIRST_FILES: readonly string[] = [
  'test/e2e/project.test.ts',
  'test/management/apps-project.test.ts',
  'test/management/npm-run.test.ts',
];

/** Started after `SHORT_BATCH` other files: long, but shorter chains. */
export const LONG_FILES: readonly string[] = [
  // `manage worker` on each backend (tasks/worker.ts), a file each, the longest first: one file of the four in turn
  // was a clean-clone run's tail when it started late.
  'test/tasks/worker-mysql.test.ts',
  'test/tasks/worker-redis.test.ts',
  'test/tasks/worker-postgres.test.ts',
  'test/tasks/worker-sqlite.test.ts',
  'test/create/database-e2e.test.ts',
  'test/create/postgres-e2e.test.ts',
  'test/db/migrate.test.ts',
  'test/create/package-managers-e2e.test.ts',
  'test/deploy/runtime-stage.test.ts',
  'test/browser/welcome.test.ts',
  'test/db/test-databases.test.ts',
];

/** How many other files start between the first files and the other long ones. */
export const SHORT_BATCH = 8;

function named(spec: TestSpecification, files: readonly string[]): number {
  const path = spec.moduleId.replaceAll('\\', '/');
  return files.findIndex((file) => path.endsWith(`/${file}`));
}

export class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const byList = (list: readonly string[]) =>
      sorted
        .filter((spec) => named(spec, list) !== -1)
        .sort((a, b) => named(a, list) - named(b, list));
    const first = byList(FIRST_FILES);
    const long = byList(LONG_FILES);
    const others = sorted.filter((spec) => !first.includes(spec) && !long.includes(spec));
    return [...first, ...others.slice(0, SHORT_BATCH), ...long, ...others.slice(SHORT_BATCH)];
  }
}
