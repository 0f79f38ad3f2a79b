/**
 * The database choice end to end: a project generated with --database
 * postgres or mysql installs its driver, migrates a real database, and
 * passes its own tests against a test database made beside it on that
 * server. (SQLite, the default, is covered by test/e2e.) A missing server
 * skips with a notice, or fails under TSGATE_REQUIRE_SERVICES=1.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { backend, dropDatabasesAfterAll, freshDatabase, unavailable } from '../db/services.js';
import { CLI, run, tempDir } from '../helpers/process.js';

dropDatabasesAfterAll();

// The two backends are independent (a project and a database each): they run at once.
describe.concurrent('the database choice', () => {
  for (const name of ['postgres', 'mysql'] as const) {
    describe(`--database ${name}`, () => {
      const server = backend(name);
      if (unavailable(server)) return;

      it('installs the driver, migrates a real database and passes its own tests there', { timeout: 600_000 }, async ({ expect }) => {
        const cwd = tempDir('tsgate-create-db-');
        const created = await run(process.execPath, [CLI, 'site', '--database', name, '--no-git'], { cwd });
        expect(created.status, created.stdout + created.stderr).toBe(0);
        const project = join(cwd, 'site');
        const driver = name === 'postgres' ? 'pg' : 'mysql2';
        expect(JSON.parse(readFileSync(join(project, 'node_modules', driver, 'package.json'), 'utf8'))).toHaveProperty('name', driver);

        const database = await freshDatabase(server, cwd);
        const env = { DATABASE_URL: database.url };
        const migrate = await run('npm', ['run', 'manage', '--', 'migrate', '--noinput'], { cwd: project, env });
        expect(migrate.status, migrate.stdout + migrate.stderr).toBe(0);
        expect(await database.tables()).toContain('tsgate_migrations');
        expect([...(await database.recorded()).keys()]).toContain('pages.0001_initial');

        // npm test: manage test makes test_<name> on the same server, migrates it, runs the tests, drops it, and exits.
        const tested = await run('npm', ['test'], { cwd: project, env });
        expect(tested.status, tested.stdout + tested.stderr).toBe(0);
        expect(tested.stdout).toMatch(/# fail 0/);
        expect(tested.stderr).toContain(`Creating test database for alias 'default' (test_`);
        expect(tested.stderr).toContain("Destroying test database for alias 'default'...");
      });
    });
  }
});
