/**
 * A migration that fails half-way, on each backend: the run stops with a
 * message naming it and the cause, it is not recorded, what ran before it
 * stays applied, its schema change is rolled back where the database can
 * (SQLite, PostgreSQL) and the message says what to check where it cannot
 * (MySQL/MariaDB); after fixing the file, migrate succeeds.
 */
import { describe, expect, it } from 'vitest';
import { checksum, createTableMigration, newProject, steps, useProjects } from './project.js';
import { BACKENDS, dropDatabasesAfterAll, unavailable } from './services.js';

useProjects();
dropDatabasesAfterAll();

const BROKEN = `export async function up(db) {
  await db.schema.createTable('notes_half').addColumn('id', 'integer', (c) => c.primaryKey()).execute();
  await db.insertInto('notes_note').values({ id: 1 }).execute();
  throw new Error('the second half is not written yet');
}
export async function down(db) {
  await db.schema.dropTable('notes_half').execute();
}
`;

const FIXED = `export async function up(db) {
  await db.schema.createTable('notes_half').addColumn('id', 'integer', (c) => c.primaryKey()).execute();
  await db.insertInto('notes_note').values({ id: 1 }).execute();
}
export async function down(db) {
  await db.schema.dropTable('notes_half').execute();
}
`;

const FILES = {
  'notes/migrations/0001_initial.js': createTableMigration('notes_note'),
  'notes/migrations/0002_half.js': BROKEN,
  'notes/migrations/0003_after.js': createTableMigration('notes_after'),
};

describe.concurrent.each(BACKENDS)('a failing migration on $title', (backend) => {
  if (unavailable(backend)) return;
  const transactional = backend.name !== 'mysql';

  it('stops the run with a clear message, records nothing for it, keeps what ran before, and a rerun after the fix succeeds', async () => {
    const { project, database } = await newProject(backend, { files: FILES });
    const failed = await project.manage(['migrate']);
    expect(failed.status, failed.output).toBe(1);
    expect(steps(failed.stdout)).toEqual(['Applying notes.0001_initial OK', 'Applying notes.0002_half FAILED']);
    expect(failed.stderr).toContain('DatabaseError: Applying notes.0002_half failed: the second half is not written yet\n');
    expect(failed.stderr).not.toMatch(/^\s+at /m);
    if (transactional) {
      expect(failed.stderr).toContain('Its changes were rolled back and it is not recorded as applied; fix it and run migrate again.');
      // Table and row both rolled back.
      expect(await database.tables()).toEqual(['notes_note', 'tsgate_migrations']);
    } else {
      expect(failed.stderr).toContain('It is not recorded as applied, but MySQL/MariaDB commits each schema change at once: statements that ran before the error stay.');
      expect(failed.stderr).toContain('Check the tables it touches (manage sqlmigrate notes 0002_half shows its SQL) and undo them by hand before running migrate again.');
      // CREATE TABLE commits at once, and what follows it runs outside the transaction: both stay, as the message says.
      expect(await database.tables()).toEqual(['notes_half', 'notes_note', 'tsgate_migrations']);
      expect((await database.query<{ id: unknown }>('select id from notes_note')).map((row) => Number(row.id))).toEqual([1]);
    }
    if (transactional) expect(await database.query('select id from notes_note')).toEqual([]);
    expect([...(await database.recorded()).keys()]).toEqual(['notes.0001_initial']);
    expect(await database.tables()).not.toContain('notes_after');

    const shown = await project.manage(['showmigrations']);
    expect(shown.stdout).toBe('notes\n [X] 0001_initial\n [ ] 0002_half\n [ ] 0003_after\n');
    const check = await project.manage(['migrate', '--check']);
    expect(check.status).toBe(1);

    // Fixed (and, on MySQL/MariaDB, cleaned up by hand as the message says): the rerun applies the rest.
    project.write('notes/migrations/0002_half.js', FIXED);
    if (!transactional) {
      await database.query('drop table notes_half');
      await database.query('delete from notes_note');
    }
    const rerun = await project.manage(['migrate']);
    expect(rerun.status, rerun.output).toBe(0);
    expect(steps(rerun.stdout)).toEqual(['Applying notes.0002_half OK', 'Applying notes.0003_after OK']);
    expect(rerun.stderr).toBe('');
    const recorded = await database.recorded();
    expect([...recorded.keys()].sort()).toEqual(['notes.0001_initial', 'notes.0002_half', 'notes.0003_after']);
    expect(recorded.get('notes.0002_half')).toBe(checksum(project, 'notes/migrations/0002_half.js'));
    expect((await database.query<{ id: unknown }>('select id from notes_note')).map((row) => Number(row.id))).toEqual([1]);
    expect(await database.tables()).toEqual(['notes_after', 'notes_half', 'notes_note', 'tsgate_migrations']);
  });

  it('a failing SQL statement is reported with the database\'s own message', async () => {
    const { project, database } = await newProject(backend, {
      files: {
        'notes/migrations/0001_initial.js': createTableMigration('notes_note'),
        // The table exists already: the database refuses.
        'notes/migrations/0002_again.js': createTableMigration('notes_note'),
      },
    });
    const failed = await project.manage(['migrate']);
    expect(failed.status, failed.output).toBe(1);
    expect(failed.stderr).toMatch(/Applying notes\.0002_again failed: .*notes_note.*already exists/i);
    expect([...(await database.recorded()).keys()]).toEqual(['notes.0001_initial']);
  });

  it('a down() that fails leaves the migration recorded as applied', async () => {
    const { project, database } = await newProject(backend, {
      files: {
        'notes/migrations/0001_initial.js': createTableMigration('notes_note'),
        'notes/migrations/0002_stuck.js': `export async function up(db) {
  await db.schema.createTable('notes_stuck').addColumn('id', 'integer', (c) => c.primaryKey()).execute();
}
export async function down(db) {
  await db.insertInto('notes_note').values({ id: 5 }).execute();
  throw new Error('cannot go back');
}
`,
      },
    });
    expect((await project.manage(['migrate'])).status).toBe(0);
    const back = await project.manage(['migrate', 'notes', 'zero']);
    expect(back.status, back.output).toBe(1);
    expect(steps(back.stdout)).toEqual(['Unapplying notes.0002_stuck FAILED']);
    expect(back.stderr).toContain('Unapplying notes.0002_stuck failed: cannot go back');
    expect(back.stderr).toContain(transactional ? 'not recorded as unapplied' : 'sqlmigrate notes 0002_stuck --backwards');
    expect([...(await database.recorded()).keys()].sort()).toEqual(['notes.0001_initial', 'notes.0002_stuck']);
    expect(await database.tables()).toContain('notes_stuck');
    // The row went with the rolled-back transaction (InnoDB rolls back rows too).
    expect(await database.query('select id from notes_note')).toEqual([]);
  });

  it('a migration without down() cannot be unapplied, except with --fake', async () => {
    const { project, database } = await newProject(backend, {
      files: { 'notes/migrations/0001_initial.js': "export async function up(db) {\n  await db.schema.createTable('notes_note').addColumn('id', 'integer').execute();\n}\n" },
    });
    expect((await project.manage(['migrate'])).status).toBe(0);
    const back = await project.manage(['migrate', 'notes', 'zero']);
    expect(back.status, back.output).toBe(1);
    expect(back.stderr).toContain('notes.0001_initial cannot be unapplied: it exports no down(db). Add one, or use --fake');
    expect((await database.recorded()).size).toBe(1);
    const fake = await project.manage(['migrate', 'notes', 'zero', '--fake']);
    expect(fake.status, fake.output).toBe(0);
    expect((await database.recorded()).size).toBe(0);
    expect(await database.tables()).toContain('notes_note');
  });
});
