/**
 * `manage dbshell` on a project over the built runtime: the real client
 * (psql, mariadb, sqlite3) on a real database answers a query piped to it
 * and takes the arguments after `--`; a MariaDB user with a password full
 * of quoting traps gets in, and a wrong one does not; the password is in
 * PGPASSWORD or a private option file (removed afterwards), never in the
 * client's arguments or the output; a missing client names the Debian
 * package. The clients come from Debian's postgresql-client, mariadb-client
 * and sqlite3 packages (.ci/run installs them).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProgram } from '../../src/runtime/management/commands/dbshell.js';
import { newProject, scratchDir, TestProject, useProjects } from '../db/project.js';
import { BACKENDS, dropDatabasesAfterAll, SERVICES_REQUIRED, unavailable, type BackendName } from '../db/services.js';

useProjects();
dropDatabasesAfterAll();

/** `node manage.mjs ARGS` with `input` on stdin; `env` over the project's. */
function manage(project: TestProject, args: string[], input = '', env: NodeJS.ProcessEnv = {}) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, TSGATE_SETTINGS_MODULE: 'settings', ...project.env, ...env };
  delete childEnv.TSGATE_TEST_DATABASES;
  delete childEnv.NODE_OPTIONS;
  return spawnSync(process.execPath, [project.path('manage.mjs'), ...args], { cwd: project.dir, env: childEnv, input, encoding: 'utf8', timeout: 120_000 });
}

const CLIENTS: Record<BackendName, { programs: string[]; package: string; answer: string[] }> = {
  sqlite: { programs: ['sqlite3'], package: 'sqlite3', answer: ['select 6*7;'] },
  postgres: { programs: ['psql'], package: 'postgresql-client', answer: ['-At', '-c', 'select 6*7'] },
  mysql: { programs: ['mariadb', 'mysql'], package: 'mariadb-client', answer: ['-N', '-B', '-e', 'select 6*7'] },
};

/** True (and a skipped or, with services required, failing test) when the backend's client is not installed. */
function clientMissing(backend: BackendName): boolean {
  const client = CLIENTS[backend];
  if (findProgram(client.programs)) return false;
  const problem = `the ${client.programs.join(' or ')} client is not installed (Debian: apt-get install ${client.package})`;
  if (SERVICES_REQUIRED) it(`needs ${problem}`, () => expect.fail(`${problem}; TSGATE_REQUIRE_SERVICES=1 makes it mandatory`));
  else it.skip(`needs ${problem}`, () => undefined);
  return true;
}

describe.concurrent.each(BACKENDS)('manage dbshell on $title', (backend) => {
  if (unavailable(backend) || clientMissing(backend.name)) return;

  it('runs the client on the database: a query on stdin is answered there, ARGS after -- go to the client', async () => {
    const { project, database } = await newProject(backend, { files: {} });
    await database.query('create table dbshell_probe (n integer)');
    await database.query('insert into dbshell_probe (n) values (42)');
    const piped = manage(project, ['dbshell'], 'select n from dbshell_probe;\n');
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stdout).toMatch(/^\s*42\s*$/m);
    const passed = manage(project, ['dbshell', '--', ...CLIENTS[backend.name].answer]);
    expect(passed.status, passed.stderr).toBe(0);
    expect(passed.stdout).toBe('42\n');
    // The client's own error, as it prints it (psql then still exits 0, as it does without ON_ERROR_STOP).
    const failed = manage(project, ['dbshell'], 'select n from no_such_table;\n');
    expect(failed.stderr).toMatch(/no_such_table/);
  });
});

describe('manage dbshell with a password', () => {
  const mysql = BACKENDS.find((candidate) => candidate.name === 'mysql');
  if (!mysql || unavailable(mysql) || clientMissing('mysql')) return;

  it('logs a MariaDB user in with a password full of quoting traps, from a private option file removed afterwards; a wrong one is refused', async () => {
    const { project, database } = await newProject(mysql, { files: {} });
    const user = `tsgate_dbshell_${randomBytes(4).toString('hex')}`;
    const password = `p"w#d \\x'y ;$HOME`;
    const quoted = password.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
    await database.query(`create user '${user}'@'%' identified by '${quoted}'`);
    try {
      await database.query(`grant all on ${database.name}.* to '${user}'@'%'`);
      const url = new URL(database.url);
      url.username = user;
      url.password = encodeURIComponent(password);
      const tmp = scratchDir('tsgate-dbshell-tmp-');
      const result = manage(project, ['dbshell', '--', '-N', '-B', '-e', 'select current_user()'], '', { DATABASE_URL: url.href, TMPDIR: tmp });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toBe(`${user}@%\n`);
      expect(readdirSync(tmp)).toEqual([]);
      url.password = 'wrong';
      const refused = manage(project, ['dbshell'], 'select 1;\n', { DATABASE_URL: url.href, TMPDIR: tmp });
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain('Access denied');
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      await database.query(`drop user '${user}'@'%'`);
    }
  });
});

describe('manage dbshell, what the client is given', () => {
  const PASSWORD = 's3cr#t p@ss';

  /** A `psql` and a `mariadb` that record their arguments, PGPASSWORD, PGSSLMODE and the option file they were given, then exit 3. */
  function fakeClients(): { bin: string; out: string } {
    const bin = scratchDir('tsgate-fake-clients-');
    const out = join(bin, 'out');
    mkdirSync(out);
    const script = `#!/bin/sh
printf '%s\\n' "$@" > "${out}/args"
printf '%s' "\${PGPASSWORD-unset}" > "${out}/pgpassword"
printf '%s' "\${PGSSLMODE-unset}" > "${out}/pgsslmode"
for arg in "$@"; do
  case "$arg" in --defaults-extra-file=*) cat "\${arg#--defaults-extra-file=}" > "${out}/optionfile"; echo "\${arg#--defaults-extra-file=}" > "${out}/optionpath";; esac
done
exit 3
`;
    for (const name of ['psql', 'mariadb']) {
      writeFileSync(join(bin, name), script);
      chmodSync(join(bin, name), 0o755);
    }
    return { bin, out };
  }

  it('gives psql the password in PGPASSWORD and the URL sslmode in PGSSLMODE, not in its arguments; the exit code is the client’s', () => {
    const { bin, out } = fakeClients();
    const project = new TestProject({ files: {}, env: { DATABASE_URL: `postgres://app:${encodeURIComponent(PASSWORD)}@db.internal:6543/site?sslmode=verify-ca`, PATH: `${bin}:${process.env.PATH}` } });
    const result = manage(project, ['dbshell', '--', '-c', 'select 1']);
    expect(result.status).toBe(3);
    expect(readFileSync(join(out, 'args'), 'utf8')).toBe(['-U', 'app', '-h', 'db.internal', '-p', '6543', '-c', 'select 1', 'site', ''].join('\n'));
    expect(readFileSync(join(out, 'pgpassword'), 'utf8')).toBe(PASSWORD);
    expect(readFileSync(join(out, 'pgsslmode'), 'utf8')).toBe('verify-ca');
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
  });

  it('gives the MariaDB client the password in an option file only its user can read, removed when it exits', () => {
    const { bin, out } = fakeClients();
    const project = new TestProject({ files: {}, env: { DATABASE_URL: `mysql://app:${encodeURIComponent(PASSWORD)}@db.internal/site?ssl-mode=REQUIRED`, PATH: `${bin}:${process.env.PATH}` } });
    const result = manage(project, ['dbshell']);
    expect(result.status).toBe(3);
    const args = readFileSync(join(out, 'args'), 'utf8').trim().split('\n');
    expect(args[0]).toMatch(/^--defaults-extra-file=/);
    expect(args.slice(1)).toEqual(['--user=app', '--host=db.internal', '--port=3306', '--ssl', 'site']);
    expect(args.join(' ')).not.toContain('s3cr');
    expect(readFileSync(join(out, 'optionfile'), 'utf8')).toBe(`[client]\npassword="${PASSWORD}"\n`);
    expect(readFileSync(join(out, 'pgpassword'), 'utf8')).toBe('unset');
    expect(existsSync(readFileSync(join(out, 'optionpath'), 'utf8').trim())).toBe(false);
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
  });

  it('names the Debian package when the client is missing, and an unknown --database alias', () => {
    const empty = scratchDir('tsgate-empty-path-');
    const cases: [string, string][] = [
      ['sqlite:///db.sqlite3', "dbshell needs the 'sqlite3' program, which is not installed or not on PATH. On Debian or Ubuntu: apt-get install sqlite3"],
      ['postgres://app@db/site', "dbshell needs the 'psql' program, which is not installed or not on PATH. On Debian or Ubuntu: apt-get install postgresql-client"],
      ['mysql://app@db/site', "dbshell needs the 'mariadb' or 'mysql' program, which is not installed or not on PATH. On Debian or Ubuntu: apt-get install mariadb-client"],
    ];
    for (const [url, message] of cases) {
      const project = new TestProject({ files: {}, env: { DATABASE_URL: url, PATH: empty } });
      const result = manage(project, ['dbshell']);
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(`CommandError: ${message}\n`);
    }
    const project = new TestProject({ files: {}, env: { DATABASE_URL: 'sqlite:///db.sqlite3' } });
    const alias = manage(project, ['dbshell', '--database', 'replica']);
    expect(alias.status).toBe(1);
    expect(alias.stderr).toBe("DatabaseError: There is no database 'replica' in DATABASES (it has: default).\n");
  });
});
