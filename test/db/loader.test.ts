/** Finding and importing migration files: in-process, and one bad file through manage. */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Apps } from '../../src/runtime/apps/index.js';
import { DatabaseError } from '../../src/runtime/db/errors.js';
import { loadMigrations, migrationsFolder } from '../../src/runtime/db/migrations/loader.js';
import { scratchDir, TestProject, useProjects } from './project.js';

useProjects();

const UP = 'export async function up(db) {}\n';

function folder(files: Readonly<Record<string, string>>): string {
  const root = scratchDir();
  writeFileSync(join(root, 'package.json'), '{"type": "module"}\n');
  for (const [path, content] of Object.entries(files)) {
    const file = join(root, ...path.split('/'));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return root;
}

async function loadError(files: Readonly<Record<string, string>>, apps = ['notes']): Promise<string> {
  const root = folder(files);
  const error = await loadMigrations(new Apps(apps, { moduleRoot: root, baseDir: root }).all).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DatabaseError);
  return (error as Error).message;
}

describe('loadMigrations', () => {
  it("finds each app's numbered files in INSTALLED_APPS order, and nothing else in the folder", async () => {
    const root = folder({
      'notes/migrations/0002_title.mjs': UP,
      'notes/migrations/0001_initial.js': `${UP}export async function down(db) {}\nexport const initial = true;\n`,
      'notes/migrations/helpers.js': 'throw new Error("not a migration");\n',
      'notes/migrations/0003_typed.d.ts': 'export {};\n',
      'notes/migrations/0001_initial.js.map': '{}',
      'notes/migrations/README.md': '# notes',
      'apps/tags/migrations/0001_initial.js': `${UP}export const dependencies = [['notes', '0002_title']];\n`,
    });
    const apps = new Apps(['apps.tags', 'notes', 'nothing'], { moduleRoot: root, baseDir: root });
    const found = await loadMigrations(apps.all);
    expect(found.map((m) => [m.key, m.number, m.file])).toEqual([
      ['apps.tags.0001_initial', 1, join(root, 'apps', 'tags', 'migrations', '0001_initial.js')],
      ['notes.0001_initial', 1, join(root, 'notes', 'migrations', '0001_initial.js')],
      ['notes.0002_title', 2, join(root, 'notes', 'migrations', '0002_title.mjs')],
    ]);
    expect(found[0]?.module.dependencies).toEqual([['notes', '0002_title']]);
    expect(typeof found[1]?.module.down).toBe('function');
    expect(found[1]?.module.initial).toBe(true);
    expect(migrationsFolder(apps.all[0] as (typeof apps.all)[number])).toBe(join(root, 'apps', 'tags', 'migrations'));
  });

  it("takes a hand-written migration's state from NNNN_name.state.js beside it, outside its checksum", async () => {
    const STATE = "export const operations = [{ type: 'createModel', table: 'notes_note', fields: { id: { kind: 'id', primaryKey: true } }, options: {} }];\n";
    const root = folder({ 'notes/migrations/0001_initial.js': UP, 'notes/migrations/0001_initial.state.js': STATE, 'notes/migrations/0002_more.js': `${UP}export const state = [];\n` });
    const found = await loadMigrations(new Apps(['notes'], { moduleRoot: root, baseDir: root }).all);
    expect(found.map((m) => m.name)).toEqual(['0001_initial', '0002_more']);
    expect(found[0]?.module.state?.map((operation) => operation.type)).toEqual(['createModel']);
    expect(found[0]?.checksum).toBe(createHash('sha256').update(UP).digest('hex'));
    expect(found[1]?.module.state).toEqual([]);
  });

  it('checksums the TypeScript source when there is one, else the file imported', async () => {
    const source = `${UP}// the source\n`;
    const root = folder({ 'src/notes/migrations/0001_initial.ts': source, 'dist/notes/migrations/0001_initial.js': UP, 'dist/notes/migrations/0002_more.js': UP });
    const found = await loadMigrations(new Apps(['notes'], { moduleRoot: join(root, 'dist'), baseDir: join(root, 'src') }).all);
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(found.map((m) => m.checksum)).toEqual([sha(source), sha(UP)]);
  });

  it.each([
    [{ 'notes/migrations/0001_initial.js': 'export const down = async () => {};\n' }, 'notes.0001_initial (', 'must export operations (a list of op.* operations) or an async function up(db).'],
    [{ 'notes/migrations/0001_initial.js': `${UP}export const down = 'no';\n` }, 'notes.0001_initial', ': down must be a function.'],
    [{ 'notes/migrations/0001_initial.js': `${UP}export const dependencies = ['tags.0001'];\n` }, 'dependencies must be a list of [app, migration] pairs'],
    [{ 'notes/migrations/0001_initial.js': `${UP}export const initial = 'yes';\n` }, 'initial must be true or false.'],
    [{ 'notes/migrations/0001_initial.js': `${UP}export const state = 'no';\n` }, 'state must be a list of op.* operations'],
    [{ 'notes/migrations/0001_initial.js': `export const operations = [];\nexport const state = [];\n` }, 'exports both operations and state'],
    [{ 'notes/migrations/0001_initial.js': `${UP}export const state = [];\n`, 'notes/migrations/0001_initial.state.js': 'export const operations = [];\n' }, 'has state and also', '0001_initial.state.js: keep one of them.'],
    [{ 'notes/migrations/0001_initial.js': UP, 'notes/migrations/0001_initial.state.js': 'export const nothing = 1;\n' }, '0001_initial.state.js: export operations, a list of op.* operations'],
  ])('a bad migration folder is a DatabaseError saying what is wrong (%#)', async (files, ...parts) => {
    const message = await loadError(files);
    for (const part of parts) expect(message).toContain(part);
  });
});

describe('a tsgate app (tsgate.NAME)', () => {
  it("is found inside the tsgate package's folder and keyed by its label, the last segment", async () => {
    const root = folder({ 'notes/migrations/0001_initial.js': `${UP}export const dependencies = [['demo', '0001_initial']];\n` });
    const tsgateDir = folder({ 'demo/migrations/0001_initial.js': UP });
    const apps = new Apps(['tsgate.demo', 'notes'], { moduleRoot: root, baseDir: root, tsgateDir });
    expect(apps.labels).toEqual(['demo', 'notes']);
    expect(apps.find('demo')).toMatchObject({ name: 'tsgate.demo', label: 'demo', path: join(tsgateDir, 'demo'), sourcePath: join(tsgateDir, 'demo'), builtin: true });
    expect(apps.find('notes')).toMatchObject({ name: 'notes', label: 'notes', path: join(root, 'notes'), builtin: false });
    const found = await loadMigrations(apps.all);
    expect(found.map((m) => [m.app, m.key, m.file])).toEqual([
      ['demo', 'demo.0001_initial', join(tsgateDir, 'demo', 'migrations', '0001_initial.js')],
      ['notes', 'notes.0001_initial', join(root, 'notes', 'migrations', '0001_initial.js')],
    ]);
  });

  it('two apps with one label cannot both be installed', () => {
    const make = () => new Apps(['auth', 'tsgate.auth'], { moduleRoot: '/p', baseDir: '/p' });
    expect(make).toThrow("INSTALLED_APPS: 'auth' and 'tsgate.auth' have the same label 'auth'");
  });
});

describe('a bad migration file through manage', () => {
  it('two migrations with one number (two branches) load; migrate exits 1 naming both leaves and --merge, showmigrations lists both', async () => {
    const project = new TestProject({
      files: { 'notes/migrations/0001_initial.js': UP, 'notes/migrations/0001_again.js': UP },
      env: { DATABASE_URL: 'sqlite:///db.sqlite3' },
    });
    const migrate = await project.manage(['migrate']);
    expect(migrate.status, migrate.output).toBe(1);
    expect(migrate.stderr).toMatch(/^CommandError: Conflicting migrations detected; multiple leaf nodes in the migration graph: \(0001_again, 0001_initial in notes\)\.\nTo fix them run '.*makemigrations --merge', which writes a migration that depends on both\.\n$/);
    const show = await project.manage(['showmigrations']);
    expect(show.status, show.output).toBe(0);
    expect(show.stdout).toBe('notes\n [ ] 0001_again\n [ ] 0001_initial\n');
  });

  it('a migration that cannot be imported is named with its cause, exit 1, no stack trace', async () => {
    const project = new TestProject({
      files: { 'notes/migrations/0001_initial.js': UP, 'notes/migrations/0002_broken.js': 'export async function up(db) {\n' },
      env: { DATABASE_URL: 'sqlite:///db.sqlite3' },
    });
    for (const command of ['migrate', 'showmigrations']) {
      const result = await project.manage([command]);
      expect(result.status, result.output).toBe(1);
      expect(result.stderr).toMatch(/^DatabaseError: Cannot load the migration notes\.0002_broken \(.*0002_broken\.js\): SyntaxError: /);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
