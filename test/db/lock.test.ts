/**
 * The migration lock held by someone else (another deploy's migrate, here
 * the test itself): `migrate` says it is waiting, applies nothing while it
 * waits, and carries on once the lock is let go.
 *
 * The lock is the one db/migrations/session.ts takes: PostgreSQL's advisory lock on
 * ("tsgate", "migrate"), MySQL's GET_LOCK('tsgate_migrate:<database>'),
 * and SQLite's write lock (BEGIN IMMEDIATE).
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Spawned } from '../helpers/process.js';
import { newProject, useProjects } from './project.js';
import { BACKENDS, dropDatabasesAfterAll, unavailable, type TestDatabase } from './services.js';

useProjects();
dropDatabasesAfterAll();

/** Takes the migration lock as another migrate would; returns the function that lets it go. */
async function holdLock(database: TestDatabase): Promise<() => Promise<void>> {
  if (database.backend === 'postgres') {
    await database.query('select pg_advisory_lock(1953720161, 1835624306)');
    return async () => void (await database.query('select pg_advisory_unlock(1953720161, 1835624306)'));
  }
  if (database.backend === 'mysql') {
    const [row] = await database.query<{ got: unknown }>(`select get_lock('tsgate_migrate:${database.name}', 0) as got`);
    expect(Number(row?.got)).toBe(1);
    return async () => void (await database.query(`select release_lock('tsgate_migrate:${database.name}')`));
  }
  const holder = new Database(database.name);
  holder.exec('begin immediate');
  return async () => {
    holder.exec('commit');
    holder.close();
  };
}

describe.concurrent.each(BACKENDS)('the migration lock on $title', (backend) => {
  if (unavailable(backend)) return;

  it('migrate waits for a lock held elsewhere, saying so, applies nothing meanwhile, then finishes', async () => {
    const { project, database } = await newProject(backend);
    // The database (and on SQLite its WAL file) exists before the lock is taken.
    expect((await project.manage(['migrate', 'notes', '0001'])).status).toBe(0);
    const release = await holdLock(database);
    let released = false;
    const run = new Spawned(process.execPath, [project.path('manage.mjs'), 'migrate'], {
      cwd: project.dir,
      // SQLite waits CONNECT_TIMEOUT seconds for the write lock before it says it is waiting.
      env: { TSGATE_SETTINGS_MODULE: 'settings', ...project.env, CONNECT_TIMEOUT: '1' },
    });
    try {
      await run.waitFor(/Waiting for another migrate on \S+ to finish…/);
      expect(run.output).toContain(`Waiting for another migrate on ${backend.name === 'sqlite' ? `sqlite:///${database.name}` : `${backend.name}://`}`);
      expect([...(await database.recorded()).keys()]).toEqual(['notes.0001_initial']);
      expect(run.output).not.toContain('Applying');
      await release();
      released = true;
      const { code } = await run.exited;
      expect(code, run.output).toBe(0);
      expect(run.output).toContain('  Applying notes.0002_title... OK\n');
      expect((await database.recorded()).size).toBe(6);
    } finally {
      if (!released) await release();
      run.killGroup();
    }
  });
});
