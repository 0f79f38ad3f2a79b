/**
 * Two branches of a project each add a migration numbered 0002 (two git
 * branches merged): makemigrations and migrate refuse and point at
 * `makemigrations --merge`, which writes a migration joining both; then
 * migrate applies all, `migrate blog zero` undoes all, and
 * `makemigrations --check` is clean. Branches that change the same field
 * are named, and with --noinput not merged.
 */
import { mkdirSync, readdirSync, renameSync, symlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { newProject, runtimeModule, TestProject, useProjects } from './project.js';
import { BACKENDS, dropDatabasesAfterAll, unavailable } from './services.js';

useProjects();
dropDatabasesAfterAll();

function linkTsgate(project: TestProject): void {
  mkdirSync(project.path('node_modules'), { recursive: true });
  symlinkSync(dirname(fileURLToPath(runtimeModule('../package.json'))), project.path('node_modules/tsgate'), 'dir');
}

/** Node 20 runs no TypeScript: the generated files (valid JavaScript too) are renamed .js, as a build would. */
function asJavaScript(project: TestProject): string[] {
  const folder = project.path('blog/migrations');
  return readdirSync(folder).flatMap((entry) => {
    if (!entry.endsWith('.ts')) return [];
    renameSync(`${folder}/${entry}`, `${folder}/${entry.replace(/\.ts$/, '.js')}`);
    return [entry];
  });
}

const MODELS = (fields: string) => `import { model, field } from 'tsgate/db';
export const Note = model('blog_note', {
  id: field.id(),
  title: field.varchar(100),
${fields}
});
`;

async function ok(project: TestProject, args: string[]): Promise<string> {
  const result = await project.manage(args);
  expect(result.status, `${args.join(' ')}\n${result.output}`).toBe(0);
  return result.stdout;
}

/**
 * 0001 creates blog_note; branch one adds `rating` as 0002_blog_note_rating,
 * branch two (written without it) adds `body` as 0002_blog_note_body; the
 * models then have both, as after the git merge.
 */
async function branched(project: TestProject, one: string, two: string, names: readonly string[] = []): Promise<void> {
  linkTsgate(project);
  await ok(project, ['makemigrations', '--noinput']);
  asJavaScript(project);
  project.write('blog/models.js', MODELS(one));
  await ok(project, ['makemigrations', '--noinput', ...(names[0] ? ['--name', names[0]] : [])]);
  const [first] = asJavaScript(project);
  // The other branch did not have the first one's migration.
  renameSync(project.path(`blog/migrations/${first?.replace(/\.ts$/, '.js')}`), project.path('first.js.away'));
  project.write('blog/models.js', MODELS(two));
  await ok(project, ['makemigrations', '--noinput', ...(names[1] ? ['--name', names[1]] : [])]);
  asJavaScript(project);
  renameSync(project.path('first.js.away'), project.path(`blog/migrations/${first?.replace(/\.ts$/, '.js')}`));
  project.write('blog/models.js', MODELS(`${one}\n${two}`));
}

describe.concurrent.each(BACKENDS)('makemigrations --merge on $title', (backend) => {
  if (unavailable(backend)) return;

  it('joins two branches numbered 0002: migrate applies all, zero undoes all, --check is clean', async () => {
    const { project, database } = await newProject(backend, { files: { 'blog/models.js': MODELS('') } });
    await branched(project, '  rating: field.integer({ null: true }),', "  body: field.text({ default: '' }),");
    expect(readdirSync(project.path('blog/migrations')).sort()).toEqual(['0001_initial.js', '0002_blog_note_body.js', '0002_blog_note_rating.js']);

    // Unmerged: both commands refuse, naming the leaves and the fix.
    const refused = await project.manage(['makemigrations', '--check']);
    expect(refused.status, refused.output).toBe(1);
    expect(refused.stderr).toContain('Conflicting migrations detected; multiple leaf nodes in the migration graph: (0002_blog_note_body, 0002_blog_note_rating in blog).');
    expect(refused.stderr).toContain('makemigrations --merge');
    const migrateRefused = await project.manage(['migrate']);
    expect(migrateRefused.status, migrateRefused.output).toBe(1);
    expect(migrateRefused.stderr).toContain('0002_blog_note_body, 0002_blog_note_rating in blog');

    const dry = await ok(project, ['makemigrations', '--merge', '--dry-run']);
    expect(dry).toContain('Merging blog\n  Branch 0002_blog_note_body\n    - Add field body to blog_note\n  Branch 0002_blog_note_rating\n    - Add field rating to blog_note\n');
    expect(dry).toContain("export const dependencies = [['blog', '0002_blog_note_body'], ['blog', '0002_blog_note_rating']];\n\nexport const operations = [\n];\n");
    expect(readdirSync(project.path('blog/migrations'))).toHaveLength(3);
    expect(await ok(project, ['makemigrations', '--merge'])).toContain('Created new merge migration blog/migrations/0003_merge_0002_blog_note_body_0002_blog_note_rating.ts\n');
    asJavaScript(project);
    expect(await ok(project, ['makemigrations', '--merge'])).toBe('No conflicts detected to merge.\n');

    const applied = await ok(project, ['migrate']);
    expect(applied).toContain('Applying blog.0003_merge_0002_blog_note_body_0002_blog_note_rating... OK');
    expect(await database.columns('blog_note')).toEqual(['body', 'id', 'rating', 'title']);
    expect(await ok(project, ['makemigrations', '--check'])).toBe('No changes detected\n');
    expect(await ok(project, ['showmigrations', 'blog'])).toBe(
      'blog\n [X] 0001_initial\n [X] 0002_blog_note_body\n [X] 0002_blog_note_rating\n [X] 0003_merge_0002_blog_note_body_0002_blog_note_rating\n',
    );
    const plan = await ok(project, ['migrate', 'blog', 'zero', '--plan']);
    expect(plan).toContain('Undo blog.0003_merge');
    await ok(project, ['migrate', 'blog', 'zero']);
    expect(await database.tables()).toEqual(['tsgate_migrations']);
    await ok(project, ['migrate']);
    expect(await database.columns('blog_note')).toEqual(['body', 'id', 'rating', 'title']);

    // The next change follows the merge.
    project.write('blog/models.js', MODELS("  rating: field.integer({ null: true }),\n  body: field.text({ default: '' }),\n  done: field.boolean({ default: false }),"));
    await ok(project, ['makemigrations', '--noinput']);
    expect(project.read('blog/migrations/0004_blog_note_done.ts')).toContain("export const dependencies = [['blog', '0003_merge_0002_blog_note_body_0002_blog_note_rating']];");
  });
});

describe.concurrent('makemigrations --merge refuses branches that change the same field', () => {
  it('names the field and both migrations, and writes nothing with --noinput', async () => {
    const project = new TestProject({ files: { 'blog/models.js': MODELS('  rating: field.integer({ null: true }),') }, env: { DATABASE_URL: 'sqlite:///db.sqlite3' } });
    await branched(project, '  rating: field.bigint({ null: true }),', '  rating: field.integer({ null: true, default: 0 }),', ['bigger', 'zero_default']);
    project.write('blog/models.js', MODELS('  rating: field.bigint({ null: true, default: 0 }),'));
    const refused = await project.manage(['makemigrations', '--merge', '--noinput']);
    expect(refused.status, refused.output).toBe(1);
    expect(refused.stderr).toContain('Both branches of blog change the same models or fields:\n  - blog_note.rating: 0002_bigger and 0002_zero_default\n');
    expect(refused.stderr).toContain('Nothing was written.');
    expect(readdirSync(project.path('blog/migrations')).sort()).toEqual(['0001_initial.js', '0002_bigger.js', '0002_zero_default.js']);
  });
});
