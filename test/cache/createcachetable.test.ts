/**
 * `manage createcachetable` in a project: the tsgate_cache table is made on
 * the database a db:// cache names (here DATABASES['other'], which `migrate`
 * alone leaves alone), once; without 'tsgate.cache' installed it says what
 * to add.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TestProject, useProjects } from '../db/project.js';

useProjects();

function tables(file: string): string[] {
  const connection = new Database(file);
  try {
    return (connection.prepare("select name from sqlite_master where type = 'table' order by name").all() as { name: string }[]).map((row) => row.name);
  } finally {
    connection.close();
  }
}

function project(apps: string[]): TestProject {
  const site = new TestProject({
    apps,
    files: { 'settings_cache.mjs': "export * from './settings.mjs';\nexport const CACHES = { default: { URL: 'db://other' } };\n" },
    env: { DATABASE_URL: 'sqlite:///main.sqlite3', OTHER_DATABASE_URL: 'sqlite:///other.sqlite3', TSGATE_SETTINGS_MODULE: 'settings_cache' },
  });
  return site;
}

describe('manage createcachetable', () => {
  it('makes the cache table on the database the db:// cache uses, and finds nothing to do the second time', async () => {
    const site = project(['tsgate.cache']);
    const first = await site.manage(['createcachetable']);
    expect(first.status, first.output).toBe(0);
    expect(first.stdout).toContain("Cache table on DATABASES['other']:");
    expect(first.stdout).toContain('Applying cache.0001_initial... OK');
    expect(tables(join(site.dir, 'other.sqlite3'))).toEqual(['tsgate_cache', 'tsgate_migrations']);
    const again = await site.manage(['createcachetable']);
    expect(again.stdout).toContain('No migrations to apply.');
  });

  it("asks for 'tsgate.cache' in INSTALLED_APPS when it is not there (the settings check does, before any command)", async () => {
    const site = project([]);
    const run = await site.manage(['createcachetable']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("CACHES.default.URL is db://other, which keeps the cache in the tsgate_cache table — add 'tsgate.cache' to INSTALLED_APPS");
  });
});
