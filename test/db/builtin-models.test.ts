/**
 * The built-in apps' tables as models (tsgate.auth, tsgate.cache,
 * tsgate.tasks): their hand-written 0001 migrations keep their files and
 * checksums, and say what they made in `0001_initial.state.ts`, so on a
 * project with the default INSTALLED_APPS `makemigrations --check` is
 * clean, and a project's foreign key to auth_user is resolved from the
 * state, its migration depending on auth.0001_initial.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { Apps } from '../../src/runtime/apps/registry.js';
import { declaredModels } from '../../src/runtime/db/migrations/autodetector/declared.js';
import { detectChanges, type Questioner } from '../../src/runtime/db/migrations/autodetector/detect.js';
import { MigrationGraph } from '../../src/runtime/db/migrations/graph.js';
import { loadMigrations } from '../../src/runtime/db/migrations/loader.js';
import { REPO } from '../helpers/process.js';
import { newProject, runtimeModule, TestProject, useProjects } from './project.js';
import { BACKENDS, dropDatabasesAfterAll, unavailable } from './services.js';

useProjects();
dropDatabasesAfterAll();

const BUILTIN = ['tsgate.auth', 'tsgate.cache', 'tsgate.tasks'];
const RUNTIME = join(REPO, 'src', 'runtime');

const refuse: Questioner = {
  renameModel: async () => false,
  renameField: async () => false,
  oneOffDefault: async () => {
    throw new Error('no question expected');
  },
};

describe('the built-in apps in-process', () => {
  it("their models are what their migrations' state says: no changes", async () => {
    const apps = new Apps(BUILTIN, { moduleRoot: RUNTIME, baseDir: RUNTIME, tsgateDir: RUNTIME });
    const graph = new MigrationGraph(await loadMigrations(apps.all), apps.labels);
    const state = graph.projectState();
    expect([...state.models.keys()]).toEqual(['auth_user', 'auth_session', 'auth_login_failure', 'auth_user_permission', 'tsgate_cache', 'tsgate_tasks']);
    expect(state.models.get('auth_session')?.app).toBe('auth');
    const declared = await declaredModels(apps.all);
    expect(declared.problems).toEqual([]);
    expect([...(await detectChanges(state, declared.state, refuse))]).toEqual([]);
    // The hand-written migrations run as before: up() and down(), no operations of their own.
    for (const migration of graph.nodes.values()) {
      expect(migration.module.operations).toBeUndefined();
      expect(typeof migration.module.down).toBe('function');
    }
  });

  it('the hand-written 0001 files are byte for byte the ones projects applied (their checksums)', () => {
    // sha256 of each source as released before models: a changed file would warn on every migrate.
    const sums: Record<string, string> = {};
    for (const app of ['auth', 'cache', 'tasks']) {
      sums[app] = createHash('sha256').update(readFileSync(join(RUNTIME, app, 'migrations', '0001_initial.ts'))).digest('hex');
    }
    expect(sums).toEqual(EXPECTED_SUMS);
  });
});

/** Taken from the files at the commit before models, 06a9886. */
const EXPECTED_SUMS: Record<string, string> = {
  auth: '7ffb3ad01beece6c05be624cda6201fe60c541541bea2fe47bf57b5be4e191d2',
  cache: '3f7502e2e8259856e66034bebc97213eb113897f51398799ab405c33a11820ae',
  tasks: '9e970ed730a34c75944c0d0ada7ebb9118aadfb11dfea1c8cd60b064c7b7b414',
};

function linkTsgate(project: TestProject): void {
  mkdirSync(project.path('node_modules'), { recursive: true });
  symlinkSync(dirname(fileURLToPath(runtimeModule('../package.json'))), project.path('node_modules/tsgate'), 'dir');
}

/** The generated project's pages app: its models and 0001, as JavaScript (node 20 runs no TypeScript; esbuild strips the types as a build would). */
function pagesFiles(): Record<string, string> {
  const template = join(REPO, 'templates', 'project', 'pages');
  const js = (file: string) => transformSync(readFileSync(join(template, file), 'utf8'), { loader: 'ts', format: 'esm' }).code;
  return { 'pages/models.js': js('models.ts'), 'pages/migrations/0001_initial.js': js('migrations/0001_initial.ts') };
}

async function ok(project: TestProject, args: string[]): Promise<string> {
  const result = await project.manage(args);
  expect(result.status, `${args.join(' ')}\n${result.output}`).toBe(0);
  return result.stdout;
}

describe.concurrent.each(BACKENDS)('a project with the default apps on $title', (backend) => {
  if (unavailable(backend)) return;

  it('makemigrations --check is clean; a foreign key to auth_user gets a migration depending on auth.0001_initial', async () => {
    const { project, database } = await newProject(backend, { apps: [...BUILTIN, 'pages'], files: pagesFiles() });
    linkTsgate(project);
    expect(await ok(project, ['makemigrations', '--check'])).toBe('No changes detected\n');
    await ok(project, ['migrate']);

    project.write(
      'pages/models.js',
      `${project.read('pages/models.js')}
export const Note = model('pages_note', {
  id: field.id(),
  text: field.varchar(100),
  author: field.foreignKey('auth_user', { null: true, onDelete: 'set null' }),
});
`,
    );
    const made = await ok(project, ['makemigrations', '--noinput']);
    expect(made).toContain("Migrations for 'pages':\n  pages/migrations/0002_pages_note.ts\n    - Create model pages_note\n");
    const text = project.read('pages/migrations/0002_pages_note.ts');
    expect(text).toContain("export const dependencies = [['pages', '0001_initial'], ['auth', '0001_initial']];");
    expect(text).toContain("author: field.foreignKey('auth_user', { onDelete: 'set null', null: true }),");
    renameSync(project.path('pages/migrations/0002_pages_note.ts'), project.path('pages/migrations/0002_pages_note.js'));
    await ok(project, ['migrate']);
    expect(await database.columns('pages_note')).toEqual(['author_id', 'id', 'text']);
    // One index for the foreign key on every backend (MySQL/MariaDB makes none of its own beside it).
    expect(await database.indexes('pages_note')).toEqual(['pages_note_author_id_idx']);
    await database.query("insert into auth_user (email, date_joined) values ('ada@example.com', '2026-01-01')");
    await database.query("insert into pages_note (text, author_id) values ('hello', 1)");
    await expect(database.query("insert into pages_note (text, author_id) values ('nobody', 99)")).rejects.toThrow();
    expect(await ok(project, ['makemigrations', '--check'])).toBe('No changes detected\n');
    expect(readdirSync(project.path('pages/migrations')).sort()).toEqual(['0001_initial.js', '0002_pages_note.js']);
    // auth's models cannot go while a project's key refers to them: unapplying auth undoes pages.0002 first.
    const plan = await ok(project, ['migrate', 'auth', 'zero', '--plan']);
    expect(plan).toContain('Undo pages.0002_pages_note');
  });
});
