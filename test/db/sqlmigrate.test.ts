/** `manage sqlmigrate` on each backend: the SQL in its dialect, not run. */
import { describe, expect, it } from 'vitest';
import { newProject, STANDARD_MIGRATIONS, useProjects } from './project.js';
import { BACKENDS, dropDatabasesAfterAll, unavailable, type BackendName } from './services.js';

useProjects();
dropDatabasesAfterAll();

const FILES = {
  ...STANDARD_MIGRATIONS,
  'notes/migrations/0005_seed.js': `export async function up(db) {
  await db.insertInto('notes_note').values({ id: 7, body: "it's a note", title: null }).execute();
  await db.updateTable('notes_note').set({ body: 'x' }).where('id', '>', 100).execute();
}
`,
  'notes/migrations/0006_nothing.js': 'export async function up(db) {}\nexport async function down(db) {}\n',
};

/** An identifier as each dialect quotes it. */
function q(backend: BackendName, name: string): string {
  return backend === 'mysql' ? `\`${name}\`` : `"${name}"`;
}

describe.concurrent.each(BACKENDS)('sqlmigrate on $title', (backend) => {
  if (unavailable(backend)) return;
  const transactional = backend.name !== 'mysql';

  it("prints a migration's SQL forwards and --backwards in the database's dialect, without running it", async () => {
    const { project, database } = await newProject(backend, { files: FILES });
    const forwards = await project.manage(['sqlmigrate', 'notes', '0001']);
    expect(forwards.status, forwards.output).toBe(0);
    const label = backend.name === 'sqlite' ? `sqlite:///${database.name}` : new URL(database.url).host;
    const [header, ...body] = forwards.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^-- notes\.0001_initial on /);
    expect(header).toContain(label);
    const id = q(backend.name, 'id');
    expect(body).toEqual([
      ...(transactional ? ['BEGIN;'] : []),
      `create table ${q(backend.name, 'notes_note')} (${id} integer primary key, ${q(backend.name, 'body')} varchar(200));`,
      `create table ${q(backend.name, 'notes_author')} (${id} integer primary key, ${q(backend.name, 'name')} varchar(100));`,
      ...(transactional ? ['COMMIT;'] : []),
    ]);

    const backwards = await project.manage(['sqlmigrate', 'notes', '0002_title', '--backwards']);
    expect(backwards.status, backwards.output).toBe(0);
    expect(backwards.stdout).toMatch(/^-- notes\.0002_title \(backwards\) on /);
    expect(backwards.stdout).toContain(`alter table ${q(backend.name, 'notes_note')} drop column ${q(backend.name, 'title')};\n`);
    expect(backwards.stdout.includes('BEGIN;\n')).toBe(transactional);

    // Nothing ran.
    expect(await database.tables()).toEqual([]);
  });

  it("writes parameters in as literals, quotes doubled; a migration with no queries says so", async () => {
    const { project } = await newProject(backend, { files: FILES });
    const seed = await project.manage(['sqlmigrate', 'notes', '0005']);
    expect(seed.status, seed.output).toBe(0);
    const table = q(backend.name, 'notes_note');
    expect(seed.stdout).toContain(
      `insert into ${table} (${q(backend.name, 'id')}, ${q(backend.name, 'body')}, ${q(backend.name, 'title')}) values (7, 'it''s a note', NULL);\n`,
    );
    expect(seed.stdout).toContain(`update ${table} set ${q(backend.name, 'body')} = 'x' where ${q(backend.name, 'id')} > 100;\n`);
    const nothing = await project.manage(['sqlmigrate', 'notes', '0006']);
    expect(nothing.status, nothing.output).toBe(0);
    expect(nothing.stdout).toContain('-- (no SQL: the migration runs no queries)\n');
  });

  it('a migration with no down() cannot be shown --backwards; wrong arguments are usage errors', async () => {
    const { project } = await newProject(backend, { files: FILES });
    const noDown = await project.manage(['sqlmigrate', 'notes', '0005', '--backwards']);
    expect(noDown.status, noDown.output).toBe(1);
    expect(noDown.stderr).toContain('notes.0005_seed exports no down(db)');
    const missing = await project.manage(['sqlmigrate', 'notes']);
    expect(missing.status, missing.output).toBe(2);
    expect(missing.stderr).toContain('sqlmigrate takes an app and a migration');
    const unknown = await project.manage(['sqlmigrate', 'notes', '0042']);
    expect(unknown.status, unknown.output).toBe(1);
    expect(unknown.stderr).toContain("Cannot find a migration matching '0042' in the app 'notes'");
  });
});
