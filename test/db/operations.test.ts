/**
 * Migration operations on each backend, through `manage migrate` as a user
 * runs it: a scripted history (create, rows, add a nullable field, alter
 * types, add a foreign key and an index, rename a field, remove one, a
 * unique set), then back to zero and forwards again. After every step the
 * rows are still there and the columns are what the state says.
 */
import { describe, expect, it } from 'vitest';
import { newProject, runtimeModule, useProjects, type TestProject } from './project.js';
import { BACKENDS, dropDatabasesAfterAll, num, unavailable, type TestDatabase } from './services.js';

useProjects();
dropDatabasesAfterAll();

const head = () => `import { op, field } from ${JSON.stringify(runtimeModule('db/index.js'))};\n`;

const HISTORY: readonly (readonly [string, string])[] = [
  [
    '0001_initial',
    `export const operations = [
  op.createModel('blog_author', { id: field.id(), name: field.varchar(100, { unique: true }) }),
  op.createModel('blog_note', {
    id: field.id(),
    title: field.varchar(100),
    body: field.text({ default: '' }),
    created: field.timestamp({ default: 'now' }),
    done: field.boolean({ default: false }),
  }, { indexes: [['created']] }),
];`,
  ],
  ['0002_rating', `export const operations = [op.addField('blog_note', 'rating', field.integer({ null: true }))];`],
  [
    '0003_types',
    `export const operations = [
  op.alterField('blog_note', 'rating', field.bigint({ null: true })),
  op.alterField('blog_note', 'title', field.varchar(200)),
];`,
  ],
  [
    '0004_author',
    `export const operations = [
  op.addField('blog_note', 'author', field.foreignKey('blog_author', { null: true, onDelete: 'set null' })),
  op.addIndex('blog_note', ['title', 'created']),
];`,
  ],
  ['0005_content', `export const operations = [op.renameField('blog_note', 'body', 'content')];`],
  [
    '0006_tidy',
    `export const operations = [
  op.removeField('blog_note', 'rating'),
  op.addConstraint('blog_note', { unique: ['title', 'author'] }),
  op.addField('blog_note', 'slug', field.varchar(50, { default: 'x' }), { preserveDefault: false }),
];`,
  ],
];

const COLUMNS: Readonly<Record<string, string[]>> = {
  '0001_initial': ['body', 'created', 'done', 'id', 'title'],
  '0002_rating': ['body', 'created', 'done', 'id', 'rating', 'title'],
  '0003_types': ['body', 'created', 'done', 'id', 'rating', 'title'],
  '0004_author': ['author_id', 'body', 'created', 'done', 'id', 'rating', 'title'],
  '0005_content': ['author_id', 'content', 'created', 'done', 'id', 'rating', 'title'],
  '0006_tidy': ['author_id', 'content', 'created', 'done', 'id', 'slug', 'title'],
};

/** blog_note's indexes after each step: the state's names and no others (MySQL/MariaDB makes none of its own for the foreign key). */
const BEFORE_AUTHOR = ['blog_note_created_idx'];
const WITH_AUTHOR = ['blog_note_author_id_idx', 'blog_note_created_idx', 'blog_note_title_created_idx'];
const INDEXES: Readonly<Record<string, string[]>> = {
  '0001_initial': BEFORE_AUTHOR,
  '0002_rating': BEFORE_AUTHOR,
  '0003_types': BEFORE_AUTHOR,
  '0004_author': WITH_AUTHOR,
  '0005_content': WITH_AUTHOR,
  '0006_tidy': [...WITH_AUTHOR, 'blog_note_title_author_id_uniq'].sort(),
};

async function migrate(project: TestProject, ...target: string[]): Promise<string> {
  const result = await project.manage(['migrate', ...target]);
  expect(result.status, result.output).toBe(0);
  return result.stdout;
}

async function titles(database: TestDatabase): Promise<string[]> {
  return (await database.query<{ title: string }>('select title from blog_note order by id')).map((row) => row.title);
}

describe.concurrent.each(BACKENDS)('operations on $title', (backend) => {
  if (unavailable(backend)) return;

  it('runs a scripted history forwards step by step with the rows kept, then to zero and forwards again', async () => {
    const { project, database } = await newProject(backend, { files: { 'blog/models.js': '' } });
    for (const [name, body] of HISTORY) {
      project.write(`blog/migrations/${name}.js`, head() + body + '\n');
      await migrate(project);
      if (name === '0001_initial') {
        await database.query("insert into blog_author (name) values ('Ada')");
        await database.query("insert into blog_note (title) values ('first')");
        await database.query("insert into blog_note (title, body) values ('second', 'text')");
      }
      expect(await database.columns('blog_note'), name).toEqual(COLUMNS[name]);
      expect(await database.indexes('blog_note'), name).toEqual(INDEXES[name]);
      expect(await titles(database), name).toEqual(['first', 'second']);
      if (name === '0004_author') await database.query('update blog_note set author_id = 1');
    }
    const rows = await database.query<Record<string, unknown>>('select content, author_id, slug, done from blog_note order by id');
    expect(rows.map((row) => [row.content, num(row.author_id), row.slug, num(row.done)])).toEqual([
      ['', 1, 'x', 0],
      ['text', 1, 'x', 0],
    ]);
    // The unique set holds.
    await expect(database.query("insert into blog_note (title, author_id, slug) values ('first', 1, 'y')")).rejects.toThrow();
    // The one-off default stays off the column.
    await expect(database.query("insert into blog_note (title) values ('third')")).rejects.toThrow();

    // Back one step at a time keeps the rows too.
    for (const [index, [name]] of [...HISTORY.entries()].reverse().slice(1)) {
      await migrate(project, 'blog', name.slice(0, 4));
      expect(await database.columns('blog_note'), `back to ${name}`).toEqual(COLUMNS[name]);
      expect(await database.indexes('blog_note'), `back to ${name}`).toEqual(INDEXES[name]);
      expect(await titles(database), `back to ${name} (${index})`).toEqual(['first', 'second']);
    }
    await migrate(project, 'blog', 'zero');
    expect(await database.tables()).toEqual(['tsgate_migrations']);
    await migrate(project);
    expect(await database.columns('blog_note')).toEqual(COLUMNS['0006_tidy']);
    expect(await database.indexes('blog_note')).toEqual(INDEXES['0006_tidy']);
    expect(await database.indexes('blog_author')).toEqual(['blog_author_name_uniq']);
  });
});
