/**
 * Four `migrate` processes started at the same moment (as four containers
 * booting) on each backend: each migration is applied exactly once, every
 * process exits 0, and the recorded rows match what ran.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checksum, type CommandResult, newProject, steps, type TestProject, useProjects } from './project.js';
import { BACKENDS, dropDatabasesAfterAll, num, unavailable } from './services.js';

useProjects();
dropDatabasesAfterAll();

const PROCESSES = 4;

/** A migration that records that it ran in counter_hits, after a pause that widens the window for a second runner. */
function hit(n: number, table: string, head = ''): string {
  return `${head}export async function up(db) {
  await db.insertInto('counter_hits').values({ n: ${n} }).execute();
  await new Promise((resolve) => setTimeout(resolve, 150));
  // Fails if the migration runs twice.
  await db.schema.createTable('${table}').addColumn('id', 'integer', (c) => c.primaryKey()).execute();
}
`;
}

const FILES: Record<string, string> = {
  'counter/migrations/0001_initial.js': `export async function up(db) {
  // No "if not exists": a second run fails.
  await db.schema.createTable('counter_hits').addColumn('n', 'integer', (c) => c.notNull()).execute();
}
`,
  'counter/migrations/0002_hit.js': hit(1, 'counter_once'),
  'later/migrations/0001_initial.js': hit(2, 'later_thing', "export const dependencies = [['counter', '0002_hit']];\n"),
  'counter/migrations/0003_hit.js': hit(3, 'counter_twice'),
};

/** Starts PROCESSES `migrate` runs that wait at a barrier until all are up, then go together. */
async function migrateAtOnce(project: TestProject, round: string): Promise<CommandResult[]> {
  const barrier = join(project.dir, `barrier-${round}`);
  mkdirSync(barrier);
  const runs = Array.from({ length: PROCESSES }, () => project.manage(['migrate'], { TEST_BARRIER: barrier }));
  const deadline = Date.now() + 60_000;
  while (readdirSync(barrier).filter((name) => name.startsWith('ready-')).length < PROCESSES && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  writeFileSync(join(barrier, 'go'), '');
  const results = await Promise.all(runs);
  expect(existsSync(join(barrier, 'go'))).toBe(true);
  return results;
}

function applyingLines(results: readonly CommandResult[]): string[] {
  return results.flatMap((result) => steps(result.stdout)).sort();
}

describe.each(BACKENDS)('concurrent migrate on $title', (backend) => {
  if (unavailable(backend)) return;

  it(`${PROCESSES} processes at once apply each migration once and all exit 0, twice over`, async () => {
    const { project, database } = await newProject(backend, { apps: ['counter', 'later'], files: FILES });
    const first = await migrateAtOnce(project, 'one');
    const everything = first.map((result, index) => `--- process ${index}: ${result.output}`).join('\n');
    for (const result of first) expect(result.status, everything).toBe(0);
    for (const result of first) expect(result.stderr, everything).not.toMatch(/Error|failed/);
    expect(applyingLines(first), everything).toEqual([
      'Applying counter.0001_initial OK',
      'Applying counter.0002_hit OK',
      'Applying counter.0003_hit OK',
      'Applying later.0001_initial OK',
    ]);
    // The processes that waited found nothing left to do.
    expect(first.filter((result) => result.stdout.includes('No migrations to apply.')).length, everything).toBeGreaterThanOrEqual(1);
    const hits = await database.query<{ n: unknown }>('select n from counter_hits order by n');
    expect(hits.map((row) => num(row.n))).toEqual([1, 2, 3]);
    const recorded = await database.recorded();
    expect([...recorded.keys()].sort()).toEqual(['counter.0001_initial', 'counter.0002_hit', 'counter.0003_hit', 'later.0001_initial']);
    expect(recorded.get('counter.0002_hit')).toBe(checksum(project, 'counter/migrations/0002_hit.js'));
    expect(num((await database.query<{ c: unknown }>('select count(*) as c from tsgate_migrations'))[0]?.c)).toBe(4);

    // A new migration, and four runs at once again (the table of migrations now exists).
    project.write('later/migrations/0002_hit.js', hit(4, 'later_more'));
    const second = await migrateAtOnce(project, 'two');
    const all = second.map((result, index) => `--- process ${index}: ${result.output}`).join('\n');
    for (const result of second) expect(result.status, all).toBe(0);
    expect(applyingLines(second), all).toEqual(['Applying later.0002_hit OK']);
    expect((await database.query<{ n: unknown }>('select n from counter_hits order by n')).map((row) => num(row.n))).toEqual([1, 2, 3, 4]);
    expect((await database.recorded()).size).toBe(5);
    expect(await database.tables()).toEqual(['counter_hits', 'counter_once', 'counter_twice', 'later_more', 'later_thing', 'tsgate_migrations']);
  });

  it(`${PROCESSES} processes at once and a migration that fails: all exit 1, the ones before it applied once, it never recorded`, async () => {
    const { project, database } = await newProject(backend, {
      apps: ['counter'],
      files: {
        'counter/migrations/0001_initial.js': FILES['counter/migrations/0001_initial.js'] ?? '',
        'counter/migrations/0002_hit.js': hit(1, 'counter_once'),
        'counter/migrations/0003_broken.js': "export async function up(db) {\n  await db.insertInto('counter_hits').values({ n: 99 }).execute();\n  throw new Error('broken on purpose');\n}\n",
      },
    });
    const results = await migrateAtOnce(project, 'one');
    const everything = results.map((result, index) => `--- process ${index}: ${result.output}`).join('\n');
    for (const result of results) {
      expect(result.status, everything).toBe(1);
      expect(result.stderr, everything).toContain('Applying counter.0003_broken failed: broken on purpose');
    }
    expect(applyingLines(results).filter((line) => line.endsWith(' OK')), everything).toEqual(['Applying counter.0001_initial OK', 'Applying counter.0002_hit OK']);
    expect([...(await database.recorded()).keys()].sort()).toEqual(['counter.0001_initial', 'counter.0002_hit']);
    // Each run's insert went with its rolled-back transaction (no DDL before it, so on MySQL/MariaDB too).
    expect((await database.query<{ n: unknown }>('select n from counter_hits order by n')).map((row) => num(row.n))).toEqual([1]);
  });
});
