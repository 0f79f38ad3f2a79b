/**
 * `manage migrate` and its flags, run as processes against a fresh database
 * on each backend; what it did is read back from the database directly.
 */
import { describe, expect, it } from 'vitest';
import { checksum, createTableMigration, newProject, STANDARD_KEYS, STANDARD_MIGRATIONS, STANDARD_TABLES, steps, useProjects } from './project.js';
import { BACKENDS, dropDatabasesAfterAll, freshDatabase, unavailable } from './services.js';

useProjects();
dropDatabasesAfterAll();

describe.concurrent.each(BACKENDS)('migrate on $title', (backend) => {
  if (unavailable(backend)) return;

  it('applies every migration in dependency order, records each with its checksum, and then has nothing to do', async () => {
    const { project, database } = await newProject(backend);
    const first = await project.manage(['migrate']);
    expect(first.status, first.output).toBe(0);
    expect(first.stdout).toBe(
      [
        'Operations to perform:',
        '  Apply all migrations: notes, tags',
        'Running migrations:',
        '  Applying notes.0001_initial... OK',
        '  Applying notes.0002_title... OK',
        '  Applying notes.0003_archive... OK',
        '  Applying notes.0004_label... OK',
        '  Applying tags.0001_initial... OK',
        '  Applying tags.0002_color... OK',
        '',
      ].join('\n'),
    );
    expect(first.stderr).toBe('');
    expect(await database.tables()).toEqual([...STANDARD_TABLES, 'tsgate_migrations'].sort());
    expect(await database.columns('notes_note')).toEqual(['body', 'id', 'title']);
    expect(await database.columns('tags_tag')).toEqual(['color', 'id', 'name']);
    const recorded = await database.recorded();
    expect([...recorded.keys()].sort()).toEqual(STANDARD_KEYS);
    for (const path of Object.keys(STANDARD_MIGRATIONS)) {
      const [app, , file] = path.split('/');
      expect(recorded.get(`${app}.${file?.replace(/\.js$/, '')}`), path).toBe(checksum(project, path));
    }
    const rows = await database.query<{ applied: string }>('select applied from tsgate_migrations');
    for (const row of rows) expect(Number.isNaN(Date.parse(row.applied)), row.applied).toBe(false);

    const again = await project.manage(['migrate']);
    expect(again.status, again.output).toBe(0);
    expect(again.stdout).toContain('Running migrations:\n  No migrations to apply.\n');
    expect(steps(again.stdout)).toEqual([]);
    expect([...(await database.recorded()).keys()].sort()).toEqual(STANDARD_KEYS);
  });

  it('migrate APP applies that app and what it depends on, nothing else', async () => {
    const { project, database } = await newProject(backend);
    const tags = await project.manage(['migrate', 'tags']);
    expect(tags.status, tags.output).toBe(0);
    expect(tags.stdout).toContain('  Apply all migrations: tags\n');
    expect(steps(tags.stdout)).toEqual([
      'Applying notes.0001_initial OK',
      'Applying notes.0002_title OK',
      'Applying tags.0001_initial OK',
      'Applying tags.0002_color OK',
    ]);
    expect([...(await database.recorded()).keys()].sort()).toEqual(['notes.0001_initial', 'notes.0002_title', 'tags.0001_initial', 'tags.0002_color']);
    expect(await database.tables()).not.toContain('notes_archive');

    const notes = await project.manage(['migrate', 'notes']);
    expect(notes.status, notes.output).toBe(0);
    expect(steps(notes.stdout)).toEqual(['Applying notes.0003_archive OK', 'Applying notes.0004_label OK']);
    expect([...(await database.recorded()).keys()].sort()).toEqual(STANDARD_KEYS);
  });

  it('migrate APP 0003 goes forwards to it by prefix, and backwards to it, unapplying dependants in other apps first', async () => {
    const { project, database } = await newProject(backend);
    const forwards = await project.manage(['migrate', 'notes', '0003']);
    expect(forwards.status, forwards.output).toBe(0);
    expect(forwards.stdout).toContain('  Target specific migration: 0003_archive, from notes\n');
    expect(steps(forwards.stdout)).toEqual(['Applying notes.0001_initial OK', 'Applying notes.0002_title OK', 'Applying notes.0003_archive OK']);
    expect([...(await database.recorded()).keys()].sort()).toEqual(['notes.0001_initial', 'notes.0002_title', 'notes.0003_archive']);

    expect((await project.manage(['migrate'])).status).toBe(0);
    const back = await project.manage(['migrate', 'notes', '0003']);
    expect(back.status, back.output).toBe(0);
    expect(steps(back.stdout)).toEqual(['Unapplying notes.0004_label OK']);
    expect(await database.tables()).not.toContain('notes_label');

    // Back to 0001: tags depends on notes.0002, so it goes first, last migration first.
    const further = await project.manage(['migrate', 'notes', '0001_initial']);
    expect(further.status, further.output).toBe(0);
    expect(steps(further.stdout)).toEqual([
      'Unapplying tags.0002_color OK',
      'Unapplying tags.0001_initial OK',
      'Unapplying notes.0003_archive OK',
      'Unapplying notes.0002_title OK',
    ]);
    expect([...(await database.recorded()).keys()]).toEqual(['notes.0001_initial']);
    expect(await database.tables()).toEqual(['notes_author', 'notes_note', 'tsgate_migrations']);
    expect(await database.columns('notes_note')).toEqual(['body', 'id']);

    // The full name works as well as a prefix; being at the target already does nothing.
    const same = await project.manage(['migrate', 'notes', '0001_initial']);
    expect(same.status, same.output).toBe(0);
    expect(same.stdout).toContain('No migrations to apply.');
  });

  it('a migration name that matches several or none is an error naming them, and nothing runs', async () => {
    const { project, database } = await newProject(backend);
    const ambiguous = await project.manage(['migrate', 'notes', '000']);
    expect(ambiguous.status, ambiguous.output).toBe(1);
    expect(ambiguous.stderr).toContain("More than one migration in 'notes' starts with '000'");
    expect(ambiguous.stderr).toContain('0001_initial, 0002_title, 0003_archive, 0004_label');
    const missing = await project.manage(['migrate', 'notes', '0009']);
    expect(missing.status, missing.output).toBe(1);
    expect(missing.stderr).toContain("Cannot find a migration matching '0009' in the app 'notes'");
    const noApp = await project.manage(['migrate', 'nope']);
    expect(noApp.status, noApp.output).toBe(1);
    expect(noApp.stderr).toContain("No installed app with the label 'nope'. Installed apps: notes, tags.");
    const extra = await project.manage(['migrate', 'notes', '0001', 'more']);
    expect(extra.status, extra.output).toBe(2);
    expect(extra.stderr).toContain('migrate takes at most an app and a migration');
    expect((await database.recorded()).size).toBe(0);
    expect(await database.tables()).not.toContain('notes_note');
  });

  it('migrate APP zero unapplies the dependants in other apps first, then the app, newest first', async () => {
    const { project, database } = await newProject(backend);
    expect((await project.manage(['migrate'])).status).toBe(0);
    const zero = await project.manage(['migrate', 'notes', 'zero']);
    expect(zero.status, zero.output).toBe(0);
    expect(zero.stdout).toContain('  Unapply all migrations: notes\n');
    expect(steps(zero.stdout)).toEqual([
      'Unapplying tags.0002_color OK',
      'Unapplying tags.0001_initial OK',
      'Unapplying notes.0004_label OK',
      'Unapplying notes.0003_archive OK',
      'Unapplying notes.0002_title OK',
      'Unapplying notes.0001_initial OK',
    ]);
    expect(await database.tables()).toEqual(['tsgate_migrations']);
    expect((await database.recorded()).size).toBe(0);

    // tags zero leaves notes alone.
    expect((await project.manage(['migrate'])).status).toBe(0);
    const tagsZero = await project.manage(['migrate', 'tags', 'zero']);
    expect(steps(tagsZero.stdout)).toEqual(['Unapplying tags.0002_color OK', 'Unapplying tags.0001_initial OK']);
    expect([...(await database.recorded()).keys()].sort()).toEqual(STANDARD_KEYS.filter((key) => key.startsWith('notes.')));
  });

  it('--plan lists what would run, forwards or backwards, and changes nothing', async () => {
    const { project, database } = await newProject(backend);
    const plan = await project.manage(['migrate', '--plan']);
    expect(plan.status, plan.output).toBe(0);
    expect(plan.stdout).toBe(`Planned operations:\n${STANDARD_KEYS.map((key) => `  ${key}\n`).join('')}`);
    expect(await database.tables()).toEqual([]);

    expect((await project.manage(['migrate', 'notes', '0002'])).status).toBe(0);
    const tagsPlan = await project.manage(['migrate', 'tags', '--plan']);
    expect(tagsPlan.stdout).toBe('Planned operations:\n  tags.0001_initial\n  tags.0002_color\n');
    const back = await project.manage(['migrate', 'notes', 'zero', '--plan']);
    expect(back.status, back.output).toBe(0);
    expect(back.stdout).toBe('Planned operations:\n  Undo notes.0002_title\n  Undo notes.0001_initial\n');
    expect([...(await database.recorded()).keys()].sort()).toEqual(['notes.0001_initial', 'notes.0002_title']);
    expect(await database.tables()).toContain('notes_note');

    const nothing = await project.manage(['migrate', 'notes', '0002', '--plan']);
    expect(nothing.stdout).toBe('Planned operations:\n  No planned migration operations.\n');
  });

  it('--fake records forwards and forgets backwards without touching the schema', async () => {
    const { project, database } = await newProject(backend);
    const fake = await project.manage(['migrate', 'notes', '0001', '--fake']);
    expect(fake.status, fake.output).toBe(0);
    expect(steps(fake.stdout)).toEqual(['Applying notes.0001_initial FAKED']);
    expect(await database.tables()).toEqual(['tsgate_migrations']);
    expect([...(await database.recorded()).keys()]).toEqual(['notes.0001_initial']);
    expect((await database.recorded()).get('notes.0001_initial')).toBe(checksum(project, 'notes/migrations/0001_initial.js'));

    // The rest for real, after creating what the faked one would have.
    await database.query('create table notes_note (id integer primary key, body varchar(200))');
    const rest = await project.manage(['migrate']);
    expect(rest.status, rest.output).toBe(0);
    expect(steps(rest.stdout)[0]).toBe('Applying notes.0002_title OK');

    const backwards = await project.manage(['migrate', 'tags', 'zero', '--fake']);
    expect(backwards.status, backwards.output).toBe(0);
    expect(steps(backwards.stdout)).toEqual(['Unapplying tags.0002_color FAKED', 'Unapplying tags.0001_initial FAKED']);
    expect(await database.tables()).toContain('tags_tag');
    expect(await database.columns('tags_tag')).toEqual(['color', 'id', 'name']);
    expect([...(await database.recorded()).keys()].some((key) => key.startsWith('tags.'))).toBe(false);
  });

  it('--fake-initial fakes an initial migration whose tables all exist, and runs the rest', async () => {
    const { project, database } = await newProject(backend);
    await database.query('create table notes_note (id integer primary key, body varchar(200))');
    await database.query('create table notes_author (id integer primary key, name varchar(100))');
    const run = await project.manage(['migrate', '--fake-initial']);
    expect(run.status, run.output).toBe(0);
    expect(steps(run.stdout)).toEqual([
      'Applying notes.0001_initial FAKED',
      'Applying notes.0002_title OK',
      'Applying notes.0003_archive OK',
      'Applying notes.0004_label OK',
      // Its table is not there: an initial migration runs as usual.
      'Applying tags.0001_initial OK',
      'Applying tags.0002_color OK',
    ]);
    expect([...(await database.recorded()).keys()].sort()).toEqual(STANDARD_KEYS);
  });

  it('--fake-initial with only some of the tables there is a clear error, and records nothing for it', async () => {
    const { project, database } = await newProject(backend);
    await database.query('create table notes_note (id integer primary key, body varchar(200))');
    const run = await project.manage(['migrate', '--fake-initial']);
    expect(run.status, run.output).toBe(1);
    expect(run.stderr).toContain('notes.0001_initial');
    expect(run.stderr).toContain('creates notes_note, notes_author, but only some exist (missing: notes_author)');
    expect(run.stderr).not.toMatch(/at .*\.js:\d+/);
    expect((await database.recorded()).size).toBe(0);
    expect(await database.tables()).toEqual(['notes_note', 'tsgate_migrations']);
  });

  it('--fake-initial follows a migration\'s own `initial` export over its number', async () => {
    const { project, database } = await newProject(backend, {
      files: {
        'notes/migrations/0001_initial.js': createTableMigration('notes_note', [], 'export const initial = false;\n'),
        'notes/migrations/0002_extra.js': createTableMigration('notes_extra', [], 'export const initial = true;\n'),
      },
    });
    await database.query('create table notes_note (id integer primary key)');
    await database.query('create table notes_extra (id integer primary key)');
    // Not initial: it runs, and its table is in the way.
    const refused = await project.manage(['migrate', '--fake-initial']);
    expect(refused.status, refused.output).toBe(1);
    expect(refused.stderr).toMatch(/Applying notes\.0001_initial failed: .*notes_note.*already exists/i);
    await database.query('drop table notes_note');
    const run = await project.manage(['migrate', '--fake-initial']);
    expect(run.status, run.output).toBe(0);
    expect(steps(run.stdout)).toEqual(['Applying notes.0001_initial OK', 'Applying notes.0002_extra FAKED']);
  });

  it('--check exits 1 listing what is unapplied, and 0 when up to date, changing nothing', async () => {
    const { project, database } = await newProject(backend);
    const before = await project.manage(['migrate', '--check']);
    expect(before.status, before.output).toBe(1);
    expect(before.stderr).toBe(`Unapplied migrations: ${STANDARD_KEYS.join(', ')}\n`);
    expect(await database.tables()).toEqual([]);

    expect((await project.manage(['migrate', 'notes', '0002'])).status).toBe(0);
    const partly = await project.manage(['migrate', '--check']);
    expect(partly.status, partly.output).toBe(1);
    expect(partly.stderr).toBe('Unapplied migrations: notes.0003_archive, notes.0004_label, tags.0001_initial, tags.0002_color\n');
    // Up to date as far as the target asked for goes.
    const target = await project.manage(['migrate', 'notes', '0002', '--check']);
    expect(target.status, target.output).toBe(0);

    expect((await project.manage(['migrate'])).status).toBe(0);
    const after = await project.manage(['migrate', '--check']);
    expect(after.status, after.output).toBe(0);
    expect(after.stderr).toBe('');
  });

  it('--noinput is accepted', async () => {
    const { project, database } = await newProject(backend);
    const run = await project.manage(['migrate', '--noinput']);
    expect(run.status, run.output).toBe(0);
    expect(steps(run.stdout)).toHaveLength(STANDARD_KEYS.length);
    expect((await database.recorded()).size).toBe(STANDARD_KEYS.length);
  });

  it('--database other migrates the other alias only; an unknown alias is an error naming the known ones', async () => {
    const { project, database } = await newProject(backend);
    const other = await freshDatabase(backend, project.dir);
    project.env.OTHER_DATABASE_URL = other.url;
    const run = await project.manage(['migrate', '--database', 'other']);
    expect(run.status, run.output).toBe(0);
    expect(steps(run.stdout)).toHaveLength(STANDARD_KEYS.length);
    expect([...(await other.recorded()).keys()].sort()).toEqual(STANDARD_KEYS);
    expect(await other.tables()).toContain('notes_note');
    expect(await database.tables()).toEqual([]);

    const shown = await project.manage(['showmigrations', 'tags', '--database=other']);
    expect(shown.stdout).toBe('tags\n [X] 0001_initial\n [X] 0002_color\n');
    const sqlOther = await project.manage(['sqlmigrate', 'tags', '0001', '--database', 'other']);
    expect(sqlOther.stdout.split('\n')[0]).toContain(backend.name === 'sqlite' ? other.name : `/${other.name}`);
    const shownDefault = await project.manage(['showmigrations', 'tags']);
    expect(shownDefault.stdout).toBe('tags\n [ ] 0001_initial\n [ ] 0002_color\n');

    const unknown = await project.manage(['migrate', '--database', 'nope']);
    expect(unknown.status, unknown.output).toBe(1);
    expect(unknown.stderr).toContain("There is no database 'nope' in DATABASES (it has: default, other).");
    expect(unknown.stdout).toBe('');
  });
});
