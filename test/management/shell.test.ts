/**
 * `manage shell` on a project over the built runtime: `-c CODE` and piped
 * code print their value with the settings, `db` and each app's models
 * module loaded (on every backend, against a real database), errors are
 * one clear message, and on a terminal it is a REPL with top-level await.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { newProject, runtimeModule, STANDARD_MIGRATIONS, TestProject, useProjects } from '../db/project.js';
import { BACKENDS, dropDatabasesAfterAll, unavailable } from '../db/services.js';
import { closeAll, hasScript, Terminal } from '../helpers/pty.js';

useProjects();
dropDatabasesAfterAll();
afterEach(closeAll);

/** notes/models.js: a query through tsgate's `db` (the module the shell hands out), and a function that throws. */
function notesModels(): string {
  return `import { db } from ${JSON.stringify(runtimeModule('db/index.js'))};
export const TABLE = 'notes_note';
export async function count() {
  const row = await db.selectFrom(TABLE).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
export function fail() {
  throw new Error('boom in the models');
}
`;
}

/** `node manage.mjs ARGS` with `input` on stdin (not a terminal). */
function manage(project: TestProject, args: string[], input = '') {
  const env: NodeJS.ProcessEnv = { ...process.env, TSGATE_SETTINGS_MODULE: 'settings', NODE_REPL_HISTORY: '', ...project.env };
  delete env.TSGATE_TEST_DATABASES;
  delete env.NODE_OPTIONS;
  return spawnSync(process.execPath, [project.path('manage.mjs'), ...args], { cwd: project.dir, env, input, encoding: 'utf8', timeout: 120_000 });
}

describe.concurrent.each(BACKENDS)('manage shell on $title', (backend) => {
  if (unavailable(backend)) return;

  it("runs code with db and the app's models loaded, printing its value", async () => {
    const { project } = await newProject(backend, { files: { ...STANDARD_MIGRATIONS, 'notes/models.js': notesModels() } });
    expect((await project.manage(['migrate'])).status).toBe(0);
    const empty = manage(project, ['shell', '-c', 'await notes.count()']);
    expect(empty.stderr).toBe('');
    expect(empty.stdout).toBe('0\n');
    const inserted = manage(project, ['shell', '-c', "await db.insertInto('notes_note').values({ id: 7, body: 'kept' }).execute(); console.log('inserted')"]);
    expect(inserted.stdout).toBe('inserted\n');
    expect(manage(project, ['shell', '-c', 'await notes.count()']).stdout).toBe('1\n');
    // Piped code runs the same way.
    const piped = manage(project, ['shell'], "const rows = await db.selectFrom(notes.TABLE).select(['id', 'body']).execute();\nconsole.log(JSON.stringify(rows));\n");
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toBe('[{"id":7,"body":"kept"}]\n');
  });
});

describe('manage shell', () => {
  it('prints a string as is, anything else as the REPL shows it, and nothing for a statement', () => {
    const project = new TestProject({ env: { DATABASE_URL: 'sqlite://:memory:' } });
    expect(manage(project, ['shell', '-c', "'tsgate ' + 'shell'"]).stdout).toBe('tsgate shell\n');
    expect(manage(project, ['shell', '-c', 'settings.INSTALLED_APPS;']).stdout).toBe("[ 'notes', 'tags' ]\n");
    expect(manage(project, ['shell', '-c', 'const answer = 42']).stdout).toBe('');
    expect(manage(project, ['shell'], '').stdout).toBe('');
  });

  it("reports an error from the code with its message and the project's own frames, exit 1", () => {
    const project = new TestProject({ files: { ...STANDARD_MIGRATIONS, 'notes/models.js': notesModels() }, env: { DATABASE_URL: 'sqlite://:memory:' } });
    const failed = manage(project, ['shell', '-c', 'notes.fail()']);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/^Uncaught Error: boom in the models\n\s+at (Module\.)?fail \(.*notes\/models\.js:\d+:\d+\)\n$/);
    expect(failed.stderr).not.toMatch(/tsgate[/\\]dist|node:internal|manage\.mjs/);
    const query = manage(project, ['shell', '-c', "await db.selectFrom('missing_table').selectAll().execute()"]);
    expect(query.status).toBe(1);
    expect(query.stderr).toMatch(/^Uncaught SqliteError: no such table: missing_table\n$/);
  });

  it('refuses code that does not parse, and arguments, exit 2', () => {
    const project = new TestProject({ env: { DATABASE_URL: 'sqlite://:memory:' } });
    const syntax = manage(project, ['shell', '-c', '1 +']);
    expect(syntax.status).toBe(2);
    expect(syntax.stderr).toMatch(/^CommandError: shell -c: SyntaxError: /);
    const extra = manage(project, ['shell', 'notes']);
    expect(extra.status).toBe(2);
    expect(extra.stderr).toBe('CommandError: shell takes no arguments (got notes): pass code with -c "…"\n');
  });

  it("names the app whose models cannot be imported; an app called db keeps db for the database", () => {
    const broken = new TestProject({ files: { ...STANDARD_MIGRATIONS, 'tags/models.js': "throw new Error('tags models are broken');\n" }, env: { DATABASE_URL: 'sqlite://:memory:' } });
    const result = manage(broken, ['shell', '-c', '1']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("CommandError: cannot import the models of 'tags' (tags/models.js): tags models are broken\n");
    const named = new TestProject({ apps: ['db'], files: { 'db/models.js': 'export const mine = true;\n' }, env: { DATABASE_URL: 'sqlite://:memory:' } });
    expect(manage(named, ['shell', '-c', '[typeof db.selectFrom, db_models.mine]']).stdout).toBe("[ 'function', true ]\n");
  });

  it.skipIf(!hasScript)('on a terminal is a REPL: a banner naming what it loaded, top-level await, .exit', async () => {
    const { project } = await newProject(BACKENDS[0] as (typeof BACKENDS)[number], { files: { ...STANDARD_MIGRATIONS, 'notes/models.js': notesModels() } });
    expect((await project.manage(['migrate'])).status).toBe(0);
    const terminal = new Terminal(['shell'], project.dir, { TSGATE_SETTINGS_MODULE: 'settings', NODE_REPL_HISTORY: '', ...project.env }, project.path('manage.mjs'));
    await terminal.answer(/Imported: db, sql, connection, settings, notes \(notes\/models\.js\)\.[\s\S]*> $/, "await db.insertInto('notes_note').values({ id: 1, body: 'x' }).execute()\r");
    await terminal.answer(/> $/, 'await notes.count()\r');
    await terminal.answer(/\n1\r?\n> $/, '.exit\r');
    expect(await terminal.exited).toBe(0);
  });
});
