/**
 * The types a model gives Kysely: each column's select, insert and update
 * types from its field and options, foreign keys as `<name>_id`, dbColumn
 * honoured, and a `Database` built from models that types real queries.
 */
import { describe, expectTypeOf, it, expect } from 'vitest';
import { field, model, type Table, type Tables } from '../../src/runtime/db/models/index.js';
import type { Insertable, Kysely, Selectable, Updateable } from '../../src/runtime/db/kysely.js';

const Author = model('blog_author', { id: field.id(), name: field.varchar(100) });
const Note = model(
  'blog_note',
  {
    id: field.id(),
    title: field.varchar(200),
    body: field.text({ default: '' }),
    rating: field.integer({ null: true }),
    created: field.timestamp({ default: 'now' }),
    author: field.foreignKey('blog_author', { onDelete: 'cascade', null: true }),
    slug: field.varchar(50, { dbColumn: 'url_slug' }),
  },
  { indexes: [['created']], unique: [['title', 'author']] },
);

interface Database extends Tables<[typeof Author, typeof Note]> {}

describe('model types', () => {
  it('derive each column from its field', () => {
    type Row = Selectable<Table<typeof Note>>;
    expectTypeOf<Row['id']>().toEqualTypeOf<number>();
    expectTypeOf<Row['title']>().toEqualTypeOf<string>();
    expectTypeOf<Row['rating']>().toEqualTypeOf<number | null>();
    expectTypeOf<Row['author_id']>().toEqualTypeOf<number | null>();
    expectTypeOf<Row['url_slug']>().toEqualTypeOf<string>();
    expectTypeOf<Row>().not.toHaveProperty('author');
    expectTypeOf<Row>().not.toHaveProperty('slug');
  });

  it('make defaulted, nullable and generated columns optional on insert, and the rest required', () => {
    type New = Insertable<Table<typeof Note>>;
    expectTypeOf<{ title: string; url_slug: string }>().toExtend<New>();
    expectTypeOf<{ title: string }>().not.toExtend<New>();
    expectTypeOf<{ title: number; url_slug: string }>().not.toExtend<New>();
    expectTypeOf<{ rating: 3 }>().toExtend<Updateable<Table<typeof Note>>>();
  });

  it('type queries on a Database built from the models', () => {
    const query = (db: Kysely<Database>) => db.selectFrom('blog_note').innerJoin('blog_author', 'blog_author.id', 'blog_note.author_id').select(['blog_note.title', 'blog_author.name']);
    type Result = Awaited<ReturnType<ReturnType<typeof query>['executeTakeFirstOrThrow']>>;
    expectTypeOf<Result>().toEqualTypeOf<{ title: string; name: string }>();
    expect(Note.table).toBe('blog_note');
  });
});
