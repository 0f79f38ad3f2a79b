/**
 * makemigrations from models, then migrate, on each backend: a scripted
 * history a project goes through (create → rows → add a nullable field →
 * alter a type → a foreign key and an index → rename a field, answered yes
 * on a terminal → remove a field → migrate zero → migrate). After each
 * step makemigrations --check is clean, the rows are there, and the
 * database's columns are the models'. Also what it says and refuses.
 */
import { readdirSync, renameSync, symlinkSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, hasScript, plain, Terminal } from '../helpers/pty.js';
import { newProject, runtimeModule, TestProject, useProjects } from './project.js';
import { BACKENDS, dropDatabasesAfterAll, unavailable, type TestDatabase } from './services.js';

useProjects();
dropDatabasesAfterAll();
afterEach(closeAll);

/** Lets the project import 'tsgate/db' (its models and generated migrations do), from this file's runtime copy. */
function linkTsgate(project: TestProject): void {
  mkdirSync(project.path('node_modules'), { recursive: true });
  symlinkSync(dirname(fileURLToPath(runtimeModule('../package.json'))), project.path('node_modules/tsgate'), 'dir');
}

/** Node 20 runs no TypeScript: the generated files (valid JavaScript too) are renamed .js, as a build would. */
function asJavaScript(project: TestProject, app = 'blog'): string[] {
  const folder = project.path(`${app}/migrations`);
  const renamed: string[] = [];
  for (const entry of readdirSync(folder)) {
    if (!entry.endsWith('.ts')) continue;
    renameSync(`${folder}/${entry}`, `${folder}/${entry.replace(/\.ts$/, '.js')}`);
    renamed.push(entry);
  }
  return renamed;
}

const MODELS = (fields: string, extra = '', options = '') => `import { model, field } from 'tsgate/db';
${extra}
export const Note = model('blog_note', {
  id: field.id(),
${fields}
}${options});
`;

const AUTHOR = "export const Author = model('blog_author', { id: field.id(), name: field.varchar(100) });";

async function ok(project: TestProject, args: string[]): Promise<string> {
  const result = await project.manage(args);
  expect(result.status, `${args.join(' ')}\n${result.output}`).toBe(0);
  return result.stdout;
}

/** makemigrations writes one migration (renamed .js), migrate applies it, --check is then clean. */
async function step(project: TestProject, expected: string[]): Promise<string> {
  const made = await ok(project, ['makemigrations', '--noinput']);
  for (const line of expected) expect(made).toContain(`    - ${line}\n`);
  const [file] = asJavaScript(project);
  expect(file).toBeDefined();
  await ok(project, ['migrate']);
  expect(await ok(project, ['makemigrations', '--check'])).toBe('No changes detected\n');
  return file as string;
}

async function titles(database: TestDatabase): Promise<string[]> {
  return (await database.query<{ title: string }>('select title from blog_note order by id')).map((row) => row.title);
}

describe.concurrent.each(BACKENDS)('makemigrations and migrate on $title', (backend) => {
  if (unavailable(backend)) return;

  it.skipIf(!hasScript)('follows a project through its history, the rows kept and the columns the models', async () => {
    const { project, database } = await newProject(backend, { files: { 'blog/models.js': MODELS("  title: field.varchar(100),\n  body: field.text({ default: '' }),") } });
    linkTsgate(project);
    expect(await step(project, ['Create model blog_note'])).toBe('0001_initial.ts');
    await database.query("insert into blog_note (title) values ('first')");
    await database.query("insert into blog_note (title, body) values ('second', 'words')");

    project.write('blog/models.js', MODELS("  title: field.varchar(100),\n  body: field.text({ default: '' }),\n  rating: field.integer({ null: true }),"));
    expect(await step(project, ['Add field rating to blog_note'])).toBe('0002_blog_note_rating.ts');
    expect(await database.columns('blog_note')).toEqual(['body', 'id', 'rating', 'title']);
    await database.query('update blog_note set rating = 5');

    project.write('blog/models.js', MODELS("  title: field.varchar(250),\n  body: field.text({ default: '' }),\n  rating: field.bigint({ null: true }),"));
    await step(project, ['Alter field title on blog_note', 'Alter field rating on blog_note']);
    expect(await titles(database)).toEqual(['first', 'second']);

    const withAuthor = (fields: string) => MODELS(fields, AUTHOR, ", { indexes: [['title', 'author']] }");
    project.write('blog/models.js', withAuthor("  title: field.varchar(250),\n  body: field.text({ default: '' }),\n  rating: field.bigint({ null: true }),\n  author: field.foreignKey('blog_author', { null: true }),"));
    await step(project, ['Create model blog_author', 'Add field author to blog_note', 'Create index on blog_note (title, author)']);
    expect(await database.columns('blog_note')).toEqual(['author_id', 'body', 'id', 'rating', 'title']);

    // A rename, answered on a terminal.
    project.write('blog/models.js', withAuthor("  title: field.varchar(250),\n  content: field.text({ default: '' }),\n  rating: field.bigint({ null: true }),\n  author: field.foreignKey('blog_author', { null: true }),"));
    const terminal = new Terminal(['makemigrations'], project.dir, { TSGATE_SETTINGS_MODULE: 'settings', ...project.env }, project.path('manage.mjs'));
    await terminal.answer(/Did you rename blog_note\.body to content\? \[y\/N\] $/, 'y\r');
    expect(await terminal.exited, plain(terminal.output)).toBe(0);
    expect(plain(terminal.output)).toContain('    - Rename field body on blog_note to content');
    expect(asJavaScript(project)).toEqual(['0005_rename_body_blog_note_content.ts']);
    await ok(project, ['migrate']);
    expect(await ok(project, ['makemigrations', '--check'])).toBe('No changes detected\n');
    const words = await database.query<{ content: string }>('select content from blog_note order by id');
    expect(words.map((row) => row.content)).toEqual(['', 'words']);

    project.write('blog/models.js', withAuthor("  title: field.varchar(250),\n  content: field.text({ default: '' }),\n  author: field.foreignKey('blog_author', { null: true }),"));
    await step(project, ['Remove field rating from blog_note']);
    expect(await database.columns('blog_note')).toEqual(['author_id', 'content', 'id', 'title']);
    expect(await titles(database)).toEqual(['first', 'second']);

    await ok(project, ['migrate', 'blog', 'zero']);
    expect(await database.tables()).toEqual(['tsgate_migrations']);
    await ok(project, ['migrate']);
    expect(await database.columns('blog_note')).toEqual(['author_id', 'content', 'id', 'title']);
    expect(await database.columns('blog_author')).toEqual(['id', 'name']);

    // sqlmigrate shows the SQL; showmigrations and migrate --plan the operations in words.
    const sql = await ok(project, ['sqlmigrate', 'blog', '0004']);
    expect(sql.toLowerCase()).toContain('create table');
    expect(sql).toContain('blog_author');
    expect(await ok(project, ['showmigrations', 'blog', '-v', '2'])).toContain(' [X] 0002_blog_note_rating\n       - Add field rating to blog_note\n');
    const plan = await ok(project, ['migrate', 'blog', '0004', '--plan']);
    expect(plan).toContain('  Undo blog.0005_rename_body_blog_note_content\n    Undo Rename field body on blog_note to content\n');
  });
});

describe.concurrent('makemigrations refuses bad models and bad states, writing nothing', () => {
  it('names each problem with its file and the fix', async () => {
    const project = new TestProject({
      files: {
        'blog/models.js': `import { model, field } from 'tsgate/db';
export const Note = model('blog_note', {
  id: field.id(),
  author: field.foreignKey('auth_user'),
  rating: field.integer({ default: 'high' }),
  body: field.text({ unique: true }),
  gone: field.text,
}, { indexes: [['nope']] });
export const Twice = model('blog_note', { id: field.id() });
export const Keyless = model('blog_keyless', { name: field.varchar(10) });
`,
      },
      env: { DATABASE_URL: 'sqlite:///db.sqlite3' },
    });
    linkTsgate(project);
    const run = await project.manage(['makemigrations']);
    expect(run.status, run.output).toBe(1);
    const shown = 'blog/models.js';
    expect(run.stderr).toContain('The models have problems; nothing was written:');
    expect(run.stderr).toContain(`${shown} (Twice): the table 'blog_note' is declared twice, also by ${shown} (Note)`);
    expect(run.stderr).toContain(`${shown} (Note): field author refers to the table 'auth_user', which no installed app's models declare`);
    expect(run.stderr).toContain(`${shown} (Note): field rating: its default "high" is not a whole number.`);
    expect(run.stderr).toContain('field body: MySQL/MariaDB cannot index or make unique a text column; use field.varchar(n)');
    expect(run.stderr).toContain('field gone is not a field: use field.*, e.g. gone: field.text() (called, with its parentheses).');
    expect(run.stderr).toContain('indexes [nope] names no field nope');
    expect(run.stderr).toContain(`${shown} (Keyless): it has no primary key: add id: field.id().`);
    expect(readdirSync(project.path('blog'))).toEqual(['models.js']);
    // manage check reports the same problems.
    const check = await project.manage(['check']);
    expect(check.status, check.output).toBe(1);
    expect(check.output).toContain(`${shown} (Keyless): (models.E001) it has no primary key: add id: field.id().`);
    expect(check.output).toContain(`${shown} (Note): (models.E001) field author refers to the table 'auth_user'`);
  });

  it('--check exits 1 and --dry-run prints the file, both writing nothing; without a terminal a NOT NULL field needs a default', async () => {
    const project = new TestProject({ files: { 'blog/models.js': MODELS('  title: field.varchar(100),') }, env: { DATABASE_URL: 'sqlite:///db.sqlite3' } });
    linkTsgate(project);
    const check = await project.manage(['makemigrations', '--check']);
    expect(check.status, check.output).toBe(1);
    expect(check.stdout).toContain("Migrations for 'blog':\n  blog/migrations/0001_initial.ts\n    - Create model blog_note\n");
    expect(check.stderr).toContain('The models have changes that no migration has yet');
    const dry = await ok(project, ['makemigrations', '--dry-run']);
    expect(dry).toContain("  op.createModel('blog_note', {\n    id: field.id(),\n    title: field.varchar(100),\n  }),\n");
    expect(readdirSync(project.path('blog'))).toEqual(['models.js']);
    await ok(project, ['makemigrations', '--name', 'start']);
    expect(asJavaScript(project)).toEqual(['0001_start.ts']);
    project.write('blog/models.js', MODELS('  title: field.varchar(100),\n  score: field.integer(),'));
    const refused = await project.manage(['makemigrations']);
    expect(refused.status, refused.output).toBe(1);
    expect(refused.stderr).toContain('It is impossible to add the non-nullable field score to blog_note without a default');
    expect(refused.stderr).toContain('give score a default (e.g. default: 0) or null: true');
    expect(readdirSync(project.path('blog/migrations'))).toEqual(['0001_start.js']);
  });

  it('squashmigrations: one optimized migration that stands in for the replaced ones once they are deleted', async () => {
    const { project, database } = await newProject(BACKENDS[0] as (typeof BACKENDS)[number], { files: { 'blog/models.js': MODELS('  title: field.varchar(100),') } });
    linkTsgate(project);
    await step(project, ['Create model blog_note']);
    project.write('blog/models.js', MODELS("  title: field.varchar(100),\n  body: field.text({ default: '' }),", AUTHOR));
    await step(project, ['Add field body to blog_note', 'Create model blog_author']);
    await database.query("insert into blog_note (title) values ('kept')");
    const squash = await ok(project, ['squashmigrations', 'blog', '0002']);
    expect(squash).toContain('into blog/migrations/0001_squashed_0002.ts: 3 operation(s) optimized to 2.');
    const text = project.read('blog/migrations/0001_squashed_0002.ts');
    expect(text).toContain("export const replaces = [['blog', '0001_initial'], ['blog', '0002_blog_author_blog_note_body']];");
    expect(text).toContain("    body: field.text({ default: '' }),\n  }),");
    asJavaScript(project);
    // While the replaced files are there, they are what runs.
    expect(await ok(project, ['migrate'])).toContain('No migrations to apply.');
    expect(await ok(project, ['showmigrations', 'blog'])).not.toContain('squashed');
    for (const file of readdirSync(project.path('blog/migrations'))) if (!file.includes('squashed')) project.remove(`blog/migrations/${file}`);
    expect(await ok(project, ['migrate'])).toContain('No migrations to apply.');
    expect(await ok(project, ['showmigrations', 'blog'])).toContain(' [X] 0001_squashed_0002\n');
    expect(await ok(project, ['makemigrations', '--check'])).toBe('No changes detected\n');
    await ok(project, ['migrate', 'blog', 'zero']);
    expect(await database.tables()).toEqual(['tsgate_migrations']);
    expect(await ok(project, ['migrate'])).toContain('Applying blog.0001_squashed_0002... OK');
    expect(await database.columns('blog_note')).toEqual(['body', 'id', 'title']);
  });

  it('--merge with one line of migrations has nothing to merge', async () => {
    const project = new TestProject({ files: { 'blog/models.js': '' }, env: { DATABASE_URL: 'sqlite:///db.sqlite3' } });
    expect(await ok(project, ['makemigrations', '--merge'])).toBe('No conflicts detected to merge.\n');
  });
});
