/**
 * `manage test` and a test database an earlier run left on the server (a
 * run killed half-way): as in Django it is dropped only when the user says
 * yes, or with --noinput; with no terminal to ask, the run stops and says
 * which flag to pass; --keepdb reuses it. Each case on PostgreSQL and
 * MariaDB, with the manage script on a pseudo-terminal where it asks.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAll, hasScript, KEY, Terminal } from '../helpers/pty.js';
import { newProject, STANDARD_MIGRATIONS, useProjects, type TestProject } from './project.js';
import { backend, dropDatabasesAfterAll, unavailable, type TestDatabase } from './services.js';

useProjects();
dropDatabasesAfterAll();
afterEach(closeAll);

/** Leftovers a failing test did not drop, with the database to drop them from. */
const leftovers: { database: TestDatabase; name: string }[] = [];
afterAll(async () => {
  for (const { database, name } of leftovers.splice(0)) await database.query(`drop database if exists ${name}`).catch(() => undefined);
});

/** One test file: it passes only against the test database, with the migrations applied. */
const SMOKE_TEST = `import { test } from 'node:test';
import assert from 'node:assert/strict';
test('runs against the test database', () => {
  const { default: url } = JSON.parse(process.env.TSGATE_TEST_DATABASES);
  assert.match(new URL(url).pathname, /^\\/test_/);
});
`;

/** A project with one test, and the test_<name> an earlier run would have left. */
async function projectWithLeftover(server: ReturnType<typeof backend>): Promise<{ project: TestProject; database: TestDatabase; leftover: string }> {
  const { project, database } = await newProject(server, { files: { ...STANDARD_MIGRATIONS, 'test/smoke.test.mjs': SMOKE_TEST } });
  const leftover = `test_${database.name}`;
  await database.query(`create database ${leftover}`);
  leftovers.push({ database, name: leftover });
  return { project, database, leftover };
}

async function exists(database: TestDatabase, name: string): Promise<boolean> {
  const query =
    database.backend === 'postgres'
      ? `select 1 from pg_database where datname = '${name}'`
      : `select 1 from information_schema.schemata where schema_name = '${name}'`;
  return (await database.query(query)).length > 0;
}

for (const name of ['postgres', 'mysql'] as const) {
  describe(`manage test with a leftover test database on ${name}`, () => {
    const server = backend(name);
    if (unavailable(server)) return;

    it('with no terminal to ask, stops, names the flags, and leaves the database', async () => {
      const { project, database, leftover } = await projectWithLeftover(server);
      const run = await project.manage(['test']);
      expect(run.status, run.output).toBe(1);
      expect(run.stderr).toContain(`The test database '${leftover}' for alias 'default' already exists`);
      expect(run.stderr).toContain('pass --noinput to delete it, or --keepdb to reuse it');
      expect(run.stdout).not.toMatch(/# pass/);
      expect(await exists(database, leftover)).toBe(true);
    });

    it('--noinput drops it, makes it afresh, runs the tests and drops it afterwards', async () => {
      const { project, database, leftover } = await projectWithLeftover(server);
      const run = await project.manage(['test', '--noinput']);
      expect(run.status, run.output).toBe(0);
      expect(run.stderr).toContain("Destroying old test database for alias 'default'...");
      expect(run.stdout).toMatch(/# pass 1/);
      expect(await exists(database, leftover)).toBe(false);
    });

    it('--keepdb reuses it and keeps it', async () => {
      const { project, database, leftover } = await projectWithLeftover(server);
      const run = await project.manage(['test', '--keepdb']);
      expect(run.status, run.output).toBe(0);
      expect(run.stderr).toContain(`Using existing test database for alias 'default' (${leftover})`);
      expect(run.stderr).not.toContain('Destroying');
      expect(await exists(database, leftover)).toBe(true);
    });

    it.skipIf(!hasScript)("on a terminal asks: 'no' cancels and keeps it, 'yes' replaces it", async () => {
      const { project, database, leftover } = await projectWithLeftover(server);
      const env = { TSGATE_SETTINGS_MODULE: 'settings', ...project.env };
      const question = new RegExp(`Type 'yes' if you would like to try deleting the test database '${leftover}', or 'no' to cancel:`);

      const declined = new Terminal(['test'], project.dir, env, project.path('manage.mjs'));
      await declined.answer(question, `no${KEY.enter}`);
      expect(await declined.exited).toBe(1);
      expect(declined.output).toContain(`Tests cancelled: the test database '${leftover}' is left as it was.`);
      expect(await exists(database, leftover)).toBe(true);

      const accepted = new Terminal(['test'], project.dir, env, project.path('manage.mjs'));
      await accepted.answer(question, `yes${KEY.enter}`);
      expect(await accepted.exited).toBe(0);
      expect(accepted.output).toContain("Destroying old test database for alias 'default'...");
      expect(accepted.output).toMatch(/pass 1|✔ runs against the test database/);
      expect(await exists(database, leftover)).toBe(false);
    });

    it.skipIf(!hasScript)('Ctrl-C at the question cancels with exit 130 and no stack, the database kept', async () => {
      const { project, database, leftover } = await projectWithLeftover(server);
      const env = { TSGATE_SETTINGS_MODULE: 'settings', ...project.env };
      const term = new Terminal(['test'], project.dir, env, project.path('manage.mjs'));
      await term.answer(/or 'no' to cancel:/, KEY.ctrlC);
      expect(await term.exited).toBe(130);
      expect(term.output).toContain('CommandError: Cancelled.');
      expect(term.output).not.toMatch(/AbortError|\n\s+at /);
      expect(await exists(database, leftover)).toBe(true);
    });

    it('two aliases naming the same database share one test database, made and dropped once, asked about once', async () => {
      const { project, database } = await newProject(server, { files: { ...STANDARD_MIGRATIONS, 'test/smoke.test.mjs': SMOKE_TEST } });
      project.env.OTHER_DATABASE_URL = database.url;
      const run = await project.manage(['test']);
      expect(run.status, run.output).toBe(0);
      expect(run.stderr).toContain(`Creating test database for alias 'default' (test_${database.name})...`);
      expect(run.stderr).toContain(`Using the test database of alias 'default' for alias 'other' (test_${database.name})...`);
      expect(run.stderr).not.toContain('already exists');
      expect(run.stderr.match(/Destroying test database/g)).toHaveLength(1);
      expect(await exists(database, `test_${database.name}`)).toBe(false);
    });
  });
}
