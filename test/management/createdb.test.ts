/**
 * `manage createdb` on real servers: it creates the database DATABASE_URL
 * names (then `migrate` works), says so when it exists already (exit 0),
 * and fails clearly — never showing the password — when the user may not
 * create databases or the server is not there. `migrate` on a database that
 * does not exist names createdb in its one-line error.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/process.js';
import { type CommandResult, scratchDir, TestProject, useProjects } from '../db/project.js';
import { adminQuery, backend, dropDatabasesAfterAll, freshDatabase, unavailable } from '../db/services.js';

useProjects();
dropDatabasesAfterAll();

const PASSWORD = 'Hunter2Secret';

/** Statements that undo what a test made on a server (roles, users), run after the file. */
const undo: [('postgres' | 'mysql'), string][] = [];
afterAll(async () => {
  for (const [server, statement] of undo.splice(0)) await adminQuery(server, statement).catch(() => undefined);
});

function expectNoPassword(result: CommandResult): void {
  expect(result.output).not.toContain(PASSWORD);
}

function projectOn(url: string): TestProject {
  return new TestProject({ env: { DATABASE_URL: url } });
}

describe.concurrent('createdb on SQLite', () => {
  it('makes the file and its folder, then says it exists; migrate uses it', async () => {
    const file = join(scratchDir(), 'data', 'site.sqlite3');
    const project = projectOn(`sqlite:///${file}`);
    const created = await project.manage(['createdb']);
    expect(created.status, created.output).toBe(0);
    expect(created.stdout).toBe(`Created the SQLite database ${file}.\n`);
    expect(existsSync(file)).toBe(true);
    const again = await project.manage(['createdb']);
    expect(again.status, again.output).toBe(0);
    expect(again.stdout).toBe(`Nothing to do: the SQLite database ${file} exists already.\n`);
    expect((await project.manage(['migrate'])).status).toBe(0);
  });

  it('an in-memory database: nothing to create, exit 0', async () => {
    const result = await projectOn('sqlite://:memory:').manage(['createdb']);
    expect(result.status, result.output).toBe(0);
    expect(result.stdout).toContain("Nothing to create: DATABASES['default'] (sqlite://:memory:) is in memory");
  });

  it('--database names another alias; an unknown one is a clear error', async () => {
    const file = join(scratchDir(), 'other.sqlite3');
    const project = new TestProject({ env: { DATABASE_URL: 'sqlite://:memory:', OTHER_DATABASE_URL: `sqlite:///${file}` } });
    const created = await project.manage(['createdb', '--database', 'other']);
    expect(created.status, created.output).toBe(0);
    expect(existsSync(file)).toBe(true);
    const unknown = await project.manage(['createdb', '--database', 'nope']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("DatabaseError: There is no database 'nope' in DATABASES (it has: default, other).");
  });
});

for (const name of ['postgres', 'mysql'] as const) {
  describe.concurrent(`createdb on ${name}`, () => {
    const server = backend(name);
    if (unavailable(server)) return;
    const serverLabel = (url: URL) => `${name}://${decodeURIComponent(url.username) || (name === 'postgres' ? 'postgres' : 'root')}@${url.hostname}:${url.port || (name === 'postgres' ? 5432 : 3306)}`;

    it('migrate on a database that does not exist: one line naming createdb; createdb makes it (password never shown), twice is fine, then migrate works', async () => {
      const project = new TestProject();
      const database = await freshDatabase(server, project.dir, { create: false });
      const url = new URL(database.url);
      // PostgreSQL here trusts local connections: the password is given, never checked, and must never be shown.
      // (MariaDB checks it: its user with a password is the next test's.)
      if (name === 'postgres') url.password = PASSWORD;
      project.env.DATABASE_URL = url.href;

      const missing = await project.manage(['migrate']);
      expect(missing.status, missing.output).toBe(1);
      const lines = missing.stderr.trim().split('\n');
      expect(lines, missing.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^DatabaseError: Cannot use DATABASES\\['default'\\] \\(${name}://.*/${database.name}\\): .*${database.name}.* — create it with: node manage\\.mjs createdb$`));

      const created = await project.manage(['createdb']);
      expect(created.status, created.output).toBe(0);
      expect(created.stdout).toBe(`Created the database '${database.name}' on ${serverLabel(url)}.\n`);
      expect(await database.tables()).toEqual([]);
      const again = await project.manage(['createdb']);
      expect(again.status, again.output).toBe(0);
      expect(again.stdout).toBe(`Nothing to do: the database '${database.name}' on ${serverLabel(url)} exists already.\n`);
      const migrate = await project.manage(['migrate']);
      expect(migrate.status, migrate.output).toBe(0);
      expect(await database.tables()).toContain('tsgate_migrations');
      for (const result of [missing, created, again, migrate]) expectNoPassword(result);
    });

    it('a user who may not create databases: exit 1 saying so and what an administrator runs, nothing made', async () => {
      const project = new TestProject();
      const database = await freshDatabase(server, project.dir, { create: false });
      const user = `tsgate_nocreate_${randomBytes(4).toString('hex')}`;
      if (name === 'postgres') {
        await adminQuery('postgres', `create role ${user} login nocreatedb password '${PASSWORD}'`);
        undo.push(['postgres', `drop role if exists ${user}`]);
      } else {
        await adminQuery('mysql', `create user '${user}'@'%' identified by '${PASSWORD}'`);
        await adminQuery('mysql', `create user '${user}'@'localhost' identified by '${PASSWORD}'`);
        undo.push(['mysql', `drop user if exists '${user}'@'%'`], ['mysql', `drop user if exists '${user}'@'localhost'`]);
      }
      const url = new URL(database.url);
      url.username = user;
      url.password = PASSWORD;
      project.env.DATABASE_URL = url.href;
      const result = await project.manage(['createdb']);
      expect(result.status, result.output).toBe(1);
      expect(result.stderr).toContain(`DatabaseError: The user '${user}' may not create the database '${database.name}' on ${serverLabel(url)} (`);
      expect(result.stderr).toMatch(name === 'postgres' ? /permission denied to create database\): ask an administrator to run CREATE DATABASE ".*" OWNER ".*", or to let the user create databases \(ALTER ROLE ".*" CREATEDB\)\.$/m : /Access denied.*\): ask an administrator to run CREATE DATABASE `.*` CHARACTER SET utf8mb4 and GRANT ALL PRIVILEGES ON `.*`\.\* TO the user/);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expectNoPassword(result);
      // Nothing was made: the server's administrator creates it now.
      const byAdmin = await project.manage(['createdb'], { DATABASE_URL: database.url });
      expect(byAdmin.stdout, byAdmin.output).toMatch(/^Created the database /);
    });

    it('a server that is not there: exit 1 naming it and asking whether it runs, no password', async () => {
      const port = await freePort();
      const result = await projectOn(`${name}://someone:${PASSWORD}@127.0.0.1:${port}/site`).manage(['createdb']);
      expect(result.status, result.output).toBe(1);
      expect(result.stderr).toContain(`DatabaseError: Cannot use DATABASES['default'] (${name}://someone@127.0.0.1:${port}/site): `);
      expect(result.stderr).toContain('is the server running');
      expectNoPassword(result);
    });
  });
}
