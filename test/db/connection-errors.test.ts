/**
 * DATABASE_URL as the commands see it: the forms that work, the ones that
 * are refused before connecting (a clear ImproperlyConfigured naming the
 * setting), and the ones that fail on connecting (a DatabaseError naming
 * the alias and the host) — never with the password in the output.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/process.js';
import { type CommandResult, newProject, scratchDir, steps, TestProject, useProjects } from './project.js';
import { backend, dropDatabasesAfterAll, POSTGRES_ADMIN_URL, unavailable, withDatabase } from './services.js';

useProjects();
dropDatabasesAfterAll();

const PASSWORD = 'Hunter2Secret';

function expectNoPassword(result: CommandResult, ...secrets: string[]): void {
  for (const secret of [PASSWORD, ...secrets]) {
    expect(result.stdout, result.output).not.toContain(secret);
    expect(result.stderr, result.output).not.toContain(secret);
  }
}

/** A project whose migrations are the usual ones, on `url`. */
function projectOn(url: string): TestProject {
  return new TestProject({ env: { DATABASE_URL: url } });
}

describe.concurrent('DATABASE_URL refused before connecting', () => {
  const cases: [string, string, string][] = [
    ['an unknown scheme', `redis://user:${PASSWORD}@127.0.0.1:6379/0`, 'the scheme "redis" is not one tsgate connects to (sqlite, postgres, postgresql, mysql, mariadb)'],
    ['no scheme at all', 'db.sqlite3', 'it is not a URL: it needs a scheme such as sqlite://, postgres:// or mysql://'],
    ['no database name (postgres)', `postgres://postgres:${PASSWORD}@127.0.0.1:5432/`, 'it names no database: add it as the path, e.g. postgres://user:password@host/name'],
    ['no database name (mysql)', `mysql://root:${PASSWORD}@127.0.0.1:3306`, 'it names no database: add it as the path, e.g. mysql://user:password@host/name'],
    ['a port out of range', `postgres://postgres:${PASSWORD}@127.0.0.1:99999/test`, 'it is not a valid URL'],
    ['a port that is not a number', `mysql://root:${PASSWORD}@127.0.0.1:abc/test`, 'it is not a valid URL'],
    ['sqlite:// with no file', 'sqlite://', 'a SQLite URL names a file: sqlite:///db.sqlite3 (in the project folder), sqlite:////abs/path.db, or sqlite://:memory:'],
    ['sqlite:/// with no file', 'sqlite:///', 'a SQLite URL names a file'],
    ['sqlite: without //', 'sqlite:db.sqlite3', 'a SQLite URL starts with sqlite://'],
    ['a bad sslmode', `postgres://postgres:${PASSWORD}@127.0.0.1:5432/test?sslmode=sometimes`, 'sslmode=sometimes is not one of disable, allow, prefer, require, verify-ca, verify-full'],
  ];
  it.each(cases)('%s: exit 1, naming the setting and what is wrong, without the password', async (_, url, problem) => {
    const project = projectOn(url);
    // Every command that connects checks the URL the same way: two of them for the first case, migrate for the rest.
    for (const command of url === cases[0]?.[1] ? [['migrate'], ['showmigrations']] : [['migrate']]) {
      const result = await project.manage(command);
      expect(result.status, result.output).toBe(1);
      expect(result.stderr).toContain(`ImproperlyConfigured: DATABASES.default.URL is not usable: ${problem}`);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(result.stdout).toBe('');
      expectNoPassword(result);
    }
  });
});

describe.concurrent('a server that is not there', () => {
  it.each([
    ['postgres', '127.0.0.1'],
    ['postgres', 'localhost'],
    ['mysql', '127.0.0.1'],
    ['mysql', 'localhost'],
  ])('%s on a closed port of %s: exit 1, naming the alias, host and port, and saying to check the server', async (scheme, host) => {
    const port = await freePort();
    const project = projectOn(`${scheme}://someone:${PASSWORD}@${host}:${port}/site`);
    const commands = scheme === 'postgres' && host === '127.0.0.1' ? [['migrate'], ['showmigrations'], ['sqlmigrate', 'notes', '0001'], ['migrate', '--check']] : [['migrate']];
    for (const command of commands) {
      const result = await project.manage(command);
      expect(result.status, result.output).toBe(1);
      expect(result.stderr).toContain(`DatabaseError: Cannot use DATABASES['default'] (${scheme}://someone@${host}:${port}/site): `);
      expect(result.stderr).toContain('ECONNREFUSED');
      expect(result.stderr).toContain('is the server running, and are the host and port in the URL (DATABASE_URL) right?');
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expectNoPassword(result);
    }
  });
});

describe.concurrent('SQLite files', () => {
  it('a file in a folder that does not exist: exit 1 naming the file, and no folder is made', async () => {
    const missing = join(scratchDir(), 'no', 'such');
    const project = projectOn(`sqlite:///${join(missing, 'db.sqlite3')}`);
    const result = await project.manage(['migrate']);
    expect(result.status, result.output).toBe(1);
    expect(result.stderr).toContain(`DatabaseError: DATABASES['default']: cannot open the SQLite file ${join(missing, 'db.sqlite3')}: `);
    expect(result.stderr).toMatch(/directory does not exist/i);
    expect(existsSync(missing)).toBe(false);
  });

  it('sqlite:///name is relative to the project folder (BASE_DIR), wherever the command runs from', async () => {
    const project = projectOn('sqlite:///data/site.sqlite3');
    mkdirSync(project.path('data'));
    const elsewhere = scratchDir();
    const result = await project.manage(['migrate', 'notes', '0001'], {}, elsewhere);
    expect(result.status, result.output).toBe(0);
    expect(existsSync(project.path('data/site.sqlite3'))).toBe(true);
    expect(existsSync(join(elsewhere, 'data'))).toBe(false);
    const shown = await project.manage(['showmigrations', 'notes'], {}, elsewhere);
    expect(shown.stdout).toContain(' [X] 0001_initial\n');
  });

  it('sqlite://:memory: migrates a database that lives as long as the command', async () => {
    const project = projectOn('sqlite://:memory:');
    const first = await project.manage(['migrate']);
    expect(first.status, first.output).toBe(0);
    expect(steps(first.stdout)).toHaveLength(6);
    const second = await project.manage(['migrate', '--plan']);
    expect(second.stdout).toContain('  notes.0001_initial\n');
  });
});

describe.concurrent('postgres', () => {
  const postgres = backend('postgres');
  if (unavailable(postgres)) return;

  it('postgresql:// and ?sslmode=disable connect; a user the server refuses: exit 1, no password in the output', async () => {
    const { project } = await newProject(postgres);
    const url = new URL(project.env.DATABASE_URL ?? '');
    url.protocol = 'postgresql:';
    url.searchParams.set('sslmode', 'disable');
    const ok = await project.manage(['migrate', 'notes', '0001'], { DATABASE_URL: url.href });
    expect(ok.status, ok.output).toBe(0);

    const refused = new URL(withDatabase(POSTGRES_ADMIN_URL, 'test'));
    refused.username = 'no_such_role_here';
    refused.password = PASSWORD;
    const result = await project.manage(['migrate'], { DATABASE_URL: refused.href });
    expect(result.status, result.output).toBe(1);
    expect(result.stderr).toContain(`DatabaseError: Cannot use DATABASES['default'] (postgres://no_such_role_here@${refused.hostname}:${refused.port || 5432}/test): `);
    // The server's refusal (no such role, or its password refused) follows the label.
    expect(result.stderr.split('/test): ')[1]).toMatch(/no_such_role_here/);
    expectNoPassword(result);
  });
});

describe.concurrent('postgres with a password it does not check (trust)', () => {
  const postgres = backend('postgres');
  if (unavailable(postgres)) return;

  it('the password is in no output of a run that works, and --database can be another backend than default', async () => {
    const { project, database } = await newProject(postgres);
    const url = new URL(database.url);
    url.password = PASSWORD;
    // default on SQLite, other on PostgreSQL with a password in its URL.
    project.env.DATABASE_URL = 'sqlite:///db.sqlite3';
    project.env.OTHER_DATABASE_URL = url.href;
    const results = [
      await project.manage(['migrate', '--database', 'other']),
      await project.manage(['migrate', '--database', 'other', '--plan']),
      await project.manage(['showmigrations', '--database', 'other']),
      await project.manage(['sqlmigrate', 'notes', '0001', '--database', 'other']),
      await project.manage(['migrate', 'notes', 'zero', '--database', 'other']),
    ];
    for (const result of results) {
      expect(result.status, result.output).toBe(0);
      expectNoPassword(result);
    }
    expect(results[3]?.stdout).toContain(`on postgres://${url.username}@${url.hostname}:${url.port || 5432}/${database.name}\n`);
    expect(results[4]?.stdout).toContain('Unapplying notes.0001_initial... OK');
    // default was never touched.
    expect((await project.manage(['showmigrations', 'notes'])).stdout).toBe('notes\n [ ] 0001_initial\n [ ] 0002_title\n [ ] 0003_archive\n [ ] 0004_label\n');
    expect(await database.tables()).toEqual(['tsgate_migrations']);
  });
});

describe.concurrent('mysql', () => {
  const mysql = backend('mysql');
  if (unavailable(mysql)) return;

  it('mariadb:// connects; a wrong password: exit 1 with the server refusal, the password never shown (plain or percent-encoded)', async () => {
    const { project, database } = await newProject(mysql);
    const url = new URL(database.url);
    url.protocol = 'mariadb:';
    const ok = await project.manage(['migrate', 'notes', '0001'], { DATABASE_URL: url.href });
    expect(ok.status, ok.output).toBe(0);
    expect((await database.recorded()).size).toBe(1);

    for (const password of [PASSWORD, 'p%40ss%3AHunter2Secret%2F']) {
      const wrong = new URL(database.url);
      wrong.password = password;
      const result = await project.manage(['showmigrations'], { DATABASE_URL: wrong.href });
      expect(result.status, result.output).toBe(1);
      expect(result.stderr).toContain(`DatabaseError: Cannot use DATABASES['default'] (mysql://${wrong.username || 'root'}@${wrong.hostname}:${wrong.port || 3306}/${database.name}): Access denied`);
      expectNoPassword(result, password, decodeURIComponent(password), 'p@ss');
    }
  });
});
