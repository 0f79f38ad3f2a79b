/**
 * manage as a user meets it, through the real npm of a generated project
 * (PostgreSQL, so installing needs no native build): a mistyped command or
 * option says "did you mean", help and hints name the command as it is
 * typed (`npm run manage -- …`, `node dist/manage.js …` once built), an
 * option npm keeps for itself (`npm run manage migrate --plan`) stops the
 * command before it touches the database, runserver says which migrations
 * are unapplied, and the shell loads the app's models.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backend, dropDatabasesAfterAll, freshDatabase, unavailable, type TestDatabase } from '../db/services.js';
import { Spawned, freePort, run as runInBackground, runGenerator, tempDir } from '../helpers/process.js';
import { ensureBuilt } from './built.js';

let workdir = '';
let project = '';
const servers: Spawned[] = [];

/**
 * The environment a user's shell gives npm: this test run's own npm
 * variables (vitest may run under `npm test`), node flags and test
 * databases are left out, so the project's npm sets its own.
 */
function userEnv(extra: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const name of Object.keys(process.env)) if (/^npm_/i.test(name) || name === 'NODE_OPTIONS' || name === 'TSGATE_TEST_DATABASES') env[name] = undefined;
  return { ...env, ...extra };
}

function run(command: string, args: string[], extra: Record<string, string> = {}) {
  const env = Object.fromEntries(Object.entries({ ...process.env, ...userEnv(extra) }).filter(([, value]) => value !== undefined));
  return spawnSync(command, args, { cwd: project, env, encoding: 'utf8', input: '', timeout: 180_000 });
}

function npm(args: string[], extra: Record<string, string> = {}) {
  return run('npm', args, extra);
}

/** `run`, without blocking the file's other concurrent tests. */
function runAsync(command: string, args: string[], extra: Record<string, string> = {}) {
  const env = Object.fromEntries(Object.entries({ ...process.env, ...userEnv(extra) }).filter(([, value]) => value !== undefined));
  return runInBackground(command, args, { cwd: project, env, input: '', timeoutMs: 180_000 });
}

function npmAsync(args: string[], extra: Record<string, string> = {}) {
  return runAsync('npm', args, extra);
}

let built: Promise<void> | undefined;

/** `npm run build` in the project, once. */
function buildProject(): Promise<void> {
  built ??= (async () => {
    if (existsSync(join(project, 'dist', 'manage.js'))) return;
    const build = await npmAsync(['run', 'build']);
    expect(build.status, build.stdout + build.stderr).toBe(0);
  })();
  return built;
}

beforeAll(() => {
  ensureBuilt();
  workdir = tempDir('tsgate-npm-run-');
  const created = runGenerator(['site', '--database', 'postgres', '--no-git'], workdir);
  expect(created.status, created.stdout + created.stderr).toBe(0);
  project = join(workdir, 'site');
}, 600_000);

afterEach(() => {
  for (const server of servers.splice(0)) server.killGroup();
});

afterAll(() => {
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

dropDatabasesAfterAll();

// Independent commands on the installed project: at the same time.
describe.concurrent('manage through npm run', () => {
  it('answers a mistyped command with the one meant and the help command as typed, exit 2', async ({ expect }) => {
    const result = await npmAsync(['run', 'manage', 'runsever']);
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain("CommandError: Unknown command: 'runsever'. Did you mean runserver?\nType 'npm run manage -- help' for usage.\n");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);

  it('answers a mistyped option with the one meant, exit 2', async ({ expect }) => {
    const result = await npmAsync(['run', 'manage', '--', 'serve', '--worker', '2']);
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain("CommandError: serve: unknown option '--worker' — did you mean --workers?\n");
  }, 120_000);

  it('names npm run manage -- in help, never a manage program that does not exist', async ({ expect }) => {
    const list = await npmAsync(['run', '--silent', 'manage', '--', 'help']);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^Type 'npm run manage -- help <subcommand>' for help on a specific subcommand\.$/m);
    expect(list.stdout).toMatch(/^\s+dbshell\s/m);
    expect(list.stdout).toMatch(/^\s+shell\s/m);
    const migrate = await npmAsync(['run', '--silent', 'manage', '--', 'help', 'migrate']);
    expect(migrate.stdout).toMatch(/^usage: npm run manage -- migrate \[options\] \[APP \[MIGRATION\|zero\]\]$/m);
    for (const output of [list.stdout, migrate.stdout]) expect(output).not.toMatch(/(^|[^-] )manage (help|migrate)/m);
  }, 120_000);

  it('refuses npm test --keepdb (npm keeps --keepdb) with the line that passes it on', async ({ expect }) => {
    const result = await npmAsync(['test', '--keepdb']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('npm kept --keepdb for itself, so test did not see it, and nothing was run.');
    expect(result.stderr).toContain('\n  npm run test -- --keepdb\n');
  }, 120_000);

  it('once built, names node dist/manage.js in help and hints', async ({ expect }) => {
    await buildProject();
    const list = await runAsync(process.execPath, ['dist/manage.js', 'help']);
    expect(list.stdout).toMatch(/^Type 'node dist\/manage\.js help <subcommand>' for help on a specific subcommand\.$/m);
    const typo = await runAsync(process.execPath, ['dist/manage.js', 'runsever']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain("Did you mean runserver?\nType 'node dist/manage.js help' for usage.\n");
  }, 240_000);
});

describe('manage through npm run, on a database', () => {


  const postgres = backend('postgres');
  if (unavailable(postgres)) return;
  let database: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await freshDatabase(postgres, workdir);
    env = { DATABASE_URL: database.url };
  });

  /** Starts `npm run dev` on a free port and resolves with what it printed once it serves. */
  async function devServerOutput(): Promise<string> {
    const port = await freePort();
    const server = new Spawned('npm', ['run', 'dev', '--', `127.0.0.1:${port}`], { cwd: project, env: userEnv(env) as NodeJS.ProcessEnv });
    servers.push(server);
    await server.waitFor(/development server at/, 120_000);
    server.killGroup('SIGTERM');
    await server.exited;
    return server.output;
  }

  it('npm run manage migrate --plan (no --) stops before migrating, and says to type npm run manage -- migrate --plan', async () => {
    const swallowed = npm(['run', 'manage', 'migrate', '--plan'], env);
    expect(swallowed.status, swallowed.stdout + swallowed.stderr).toBe(2);
    expect(swallowed.stderr).toContain('CommandError: npm kept --plan for itself, so migrate did not see it, and nothing was run.');
    expect(swallowed.stderr).toContain('\n  npm run manage -- migrate --plan\n');
    expect(swallowed.stdout).not.toContain('Applying');
    expect(await database.tables()).toEqual([]);

    const planned = npm(['run', '--silent', 'manage', '--', 'migrate', '--plan'], env);
    expect(planned.status, planned.stderr).toBe(0);
    expect(planned.stdout).toMatch(/^Planned operations:\n/);
    const migrations = planned.stdout.match(/^ {2}\w+\.\d{4}_\w+$/gm);
    expect(migrations).toEqual(['  auth.0001_initial', '  cache.0001_initial', '  tasks.0001_initial', '  pages.0001_initial']);
    expect(await database.tables()).toEqual([]);
  }, 180_000);

  it('npm run dev before migrate names the unapplied migrations and the command that applies them; after migrate, says nothing', async () => {
    const before = await devServerOutput();
    expect(before).toContain(
      "You have 4 unapplied migration(s). Your project may not work properly until you apply the migrations for app(s): auth, cache, pages, tasks.\nRun 'npm run manage -- migrate' to apply them.\n",
    );
    const migrate = npm(['run', '--silent', 'manage', '--', 'migrate'], env);
    expect(migrate.status, migrate.stderr).toBe(0);
    expect(await database.tables()).toEqual(expect.arrayContaining(['auth_user', 'pages_visit', 'tsgate_cache', 'tsgate_migrations']));
    const after = await devServerOutput();
    expect(after).not.toContain('unapplied');
  }, 300_000);

  it("opens the shell with the pages app's models.ts loaded, in development and once built", async () => {
    const shell = npm(['run', '--silent', 'manage', '--', 'shell', '-c', 'await pages.countVisit()'], env);
    expect(shell.stderr).toBe('');
    expect(shell.stdout).toBe('1\n');
    await buildProject();
    const built = run(process.execPath, ['dist/manage.js', 'shell', '-c', 'await pages.countVisit()'], env);
    expect(built.stderr).toBe('');
    expect(built.stdout).toBe('2\n');
    expect((await database.query<{ count: number }>('select count from pages_visit'))[0]?.count).toBe(2);
  }, 300_000);

});
