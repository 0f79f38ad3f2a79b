/**
 * The autodetector on its own: the state two model sets mean, and the
 * operations between them, for every kind of operation, the questions it
 * asks, cross-app ordering and dependencies, and the migration file it
 * writes read back as the same operations.
 */
import { describe, expect, it } from 'vitest';
import { detectChanges, type Questioner } from '../../src/runtime/db/migrations/autodetector/detect.js';
import { migrationSource, operationSource, suggestName } from '../../src/runtime/db/migrations/autodetector/writer.js';
import { applyToState, describeOperation, modelState, op, ProjectState, type Operation } from '../../src/runtime/db/migrations/operations/index.js';
import { field, model, type Model } from '../../src/runtime/db/models/index.js';

function state(models: Record<string, readonly Model[]>): ProjectState {
  const out = new ProjectState();
  for (const [app, list] of Object.entries(models)) for (const one of list) out.models.set(one.table, modelState(app, one));
  return out;
}

interface Asked {
  questions: string[];
  answer: boolean;
  fill?: unknown;
}

function questioner(asked: Asked): Questioner {
  return {
    async renameModel(from, to) {
      asked.questions.push(`model ${from.table} -> ${to.table}`);
      return asked.answer;
    },
    async renameField(table, from, to) {
      asked.questions.push(`field ${table}.${from} -> ${to}`);
      return asked.answer;
    },
    async oneOffDefault(table, name) {
      asked.questions.push(`default ${table}.${name}`);
      if (asked.fill === undefined) throw new Error('no default');
      return asked.fill as never;
    },
  };
}

async function diff(before: Record<string, readonly Model[]>, after: Record<string, readonly Model[]>, asked: Asked = { questions: [], answer: false }) {
  const changes = await detectChanges(state(before), state(after), questioner(asked));
  const words = Object.fromEntries([...changes].map(([app, { operations }]) => [app, operations.map(describeOperation)]));
  const deps = Object.fromEntries([...changes].map(([app, { dependsOn }]) => [app, [...dependsOn]]));
  return { changes, words, deps };
}

/** Replays the detected operations on the old state: the result must equal the new state. */
async function roundTrip(before: Record<string, readonly Model[]>, after: Record<string, readonly Model[]>, asked?: Asked) {
  const { changes } = await diff(before, after, asked);
  const replayed = state(before);
  for (const [app, { operations }] of changes) for (const operation of operations) applyToState(replayed, app, operation);
  const again = await detectChanges(replayed, state(after), questioner({ questions: [], answer: false }));
  expect(again.size).toBe(0);
}

const Author = model('blog_author', { id: field.id(), name: field.varchar(100) });
const Note = model('blog_note', { id: field.id(), title: field.varchar(200), body: field.text({ default: '' }) });

describe('the autodetector', () => {
  it('creates new models, referred-to models first, and nothing when nothing changed', async () => {
    const NoteBy = model('blog_note', { id: field.id(), author: field.foreignKey('blog_author') });
    const { words } = await diff({}, { blog: [NoteBy, Author] });
    expect(words).toEqual({ blog: ['Create model blog_author', 'Create model blog_note'] });
    expect((await diff({ blog: [Note] }, { blog: [Note] })).changes.size).toBe(0);
    await roundTrip({}, { blog: [NoteBy, Author] });
  });

  it('cuts a cycle of new models: a key is added once both tables exist', async () => {
    const A = model('x_a', { id: field.id(), b: field.foreignKey('x_b', { null: true }) });
    const B = model('x_b', { id: field.id(), a: field.foreignKey('x_a', { null: true }) });
    const { words } = await diff({}, { x: [A, B] });
    expect(words.x).toEqual(['Create model x_b', 'Create model x_a', 'Add field a to x_b']);
    await roundTrip({}, { x: [A, B] });
  });

  it('adds, removes and alters fields; index and unique sets after their fields, removed before them', async () => {
    const After = model('blog_note', { id: field.id(), title: field.varchar(250), rating: field.integer({ null: true }) }, { indexes: [['rating']], unique: [['title', 'rating']] });
    const { words } = await diff({ blog: [Note] }, { blog: [After] });
    expect(words.blog).toEqual([
      'Remove field body from blog_note',
      'Add field rating to blog_note',
      'Alter field title on blog_note',
      'Create index on blog_note (rating)',
      'Add unique constraint on blog_note (title, rating)',
    ]);
    const back = await diff({ blog: [After] }, { blog: [Note] });
    expect(back.words.blog?.slice(0, 3)).toEqual(['Remove index on blog_note (rating)', 'Remove unique constraint on blog_note (title, rating)', 'Remove field rating from blog_note']);
    await roundTrip({ blog: [Note] }, { blog: [After] });
    await roundTrip({ blog: [After] }, { blog: [Note] });
  });

  it('asks whether a field was renamed; yes is a rename, no a removal and an addition', async () => {
    const Renamed = model('blog_note', { id: field.id(), title: field.varchar(200), content: field.text({ default: '' }) });
    const yes: Asked = { questions: [], answer: true };
    expect((await diff({ blog: [Note] }, { blog: [Renamed] }, yes)).words.blog).toEqual(['Rename field body on blog_note to content']);
    expect(yes.questions).toEqual(['field blog_note.body -> content']);
    const no: Asked = { questions: [], answer: false };
    expect((await diff({ blog: [Note] }, { blog: [Renamed] }, no)).words.blog).toEqual(['Remove field body from blog_note', 'Add field content to blog_note']);
    await roundTrip({ blog: [Note] }, { blog: [Renamed] }, { questions: [], answer: true });
  });

  it('asks whether a model was renamed, and follows its foreign keys', async () => {
    const Writer = model('blog_writer', { id: field.id(), name: field.varchar(100) });
    const By = (to: string) => model('blog_note', { id: field.id(), author: field.foreignKey(to) });
    const yes: Asked = { questions: [], answer: true };
    const { words } = await diff({ blog: [Author, By('blog_author')] }, { blog: [Writer, By('blog_writer')] }, yes);
    expect(yes.questions).toEqual(['model blog_author -> blog_writer']);
    expect(words.blog).toEqual(['Rename model blog_author to blog_writer']);
    const no = await diff({ blog: [Author, By('blog_author')] }, { blog: [Writer, By('blog_writer')] });
    expect(no.words.blog).toEqual(['Create model blog_writer', 'Alter field author on blog_note', 'Delete model blog_author']);
  });

  it('asks for a one-off default for a NOT NULL field without one, and keeps it off the field', async () => {
    const After = model('blog_note', { id: field.id(), title: field.varchar(200), body: field.text({ default: '' }), score: field.integer() });
    const asked: Asked = { questions: [], answer: false, fill: 3 };
    const { changes } = await diff({ blog: [Note] }, { blog: [After] }, asked);
    expect(asked.questions).toEqual(['default blog_note.score']);
    const operation = changes.get('blog')?.operations[0] as Operation;
    expect(operationSource(operation)).toBe("  op.addField('blog_note', 'score', field.integer({ default: 3 }), { preserveDefault: false }),");
    await roundTrip({ blog: [Note] }, { blog: [After] }, asked);
    await expect(diff({ blog: [Note] }, { blog: [After] })).rejects.toThrow('no default');
  });

  it('orders across apps: a foreign key to another app depends on it; a deleted model goes after the keys to it', async () => {
    const Tag = model('tags_tag', { id: field.id(), note: field.foreignKey('blog_note') });
    const created = await diff({}, { blog: [Note], tags: [Tag] });
    expect(created.deps).toEqual({ blog: [], tags: ['blog'] });
    const Plain = model('tags_tag', { id: field.id() });
    const deleted = await diff({ blog: [Note], tags: [Tag] }, { tags: [Plain] });
    expect(deleted.words).toEqual({ tags: ['Remove field note from tags_tag'], blog: ['Delete model blog_note'] });
    expect(deleted.deps.blog).toEqual(['tags']);
    await roundTrip({ blog: [Note], tags: [Tag] }, { tags: [Plain] });
  });

  it('deletes models that refer to each other, the keys first', async () => {
    const A = model('x_a', { id: field.id(), b: field.foreignKey('x_b', { null: true }) });
    const B = model('x_b', { id: field.id(), a: field.foreignKey('x_a', { null: true }) });
    await roundTrip({ x: [A, B] }, {});
    const { words } = await diff({ x: [A, B] }, {});
    expect(words.x?.filter((text) => text.startsWith('Delete'))).toHaveLength(2);
  });
});

describe('migration files', () => {
  it('are readable: the op.* and field.* calls one would write, evaluated back into the same operations', async () => {
    const Full = model(
      'blog_note',
      {
        id: field.bigId(),
        title: field.varchar(200, { unique: true }),
        price: field.decimal(10, 2, { default: '0.00' }),
        data: field.json({ default: { tags: ["it's"] } }),
        when: field.timestamp({ default: 'now', index: true }),
        author: field.foreignKey('blog_author', { onDelete: 'set null', null: true, dbColumn: 'writer' }),
      },
      { indexes: [['title', 'when']] },
    );
    const { changes } = await diff({}, { blog: [Author, Full] });
    const operations = changes.get('blog')?.operations ?? [];
    const text = migrationSource({ app: 'blog', name: '0001_initial', operations, dependencies: [['auth', '0001_initial']] });
    expect(text).toContain("    title: field.varchar(200, { unique: true }),\n");
    expect(text).toContain("    price: field.decimal(10, 2, { default: '0.00' }),\n");
    expect(text).toContain("    data: field.json({ default: { tags: ['it\\'s'] } }),\n");
    expect(text).toContain("    author: field.foreignKey('blog_author', { onDelete: 'set null', null: true, dbColumn: 'writer' }),\n");
    expect(text).toContain("  }, { indexes: [['title', 'when']] }),\n");
    expect(text).toContain("export const dependencies = [['auth', '0001_initial']];");
    expect(text).toContain(' * - Create model blog_note');
    // Evaluated as a module would be: the same operations.
    const body = text.replace(/^import .*$/m, '').replace(/export const /g, 'const ');
    const evaluated = new Function('field', 'op', `${body}\nreturn operations;`)(field, op) as Operation[];
    expect(JSON.parse(JSON.stringify(evaluated))).toEqual(JSON.parse(JSON.stringify(operations)));
  });

  it('are named after their operations, or by date when that would be long', () => {
    expect(suggestName([op.addField('blog_note', 'rating', field.integer())], false)).toBe('blog_note_rating');
    expect(suggestName([op.removeField('blog_note', 'body')], false)).toBe('remove_blog_note_body');
    expect(suggestName([], true)).toBe('initial');
    expect(suggestName([op.addIndex('blog_note', ['a'])], false)).toMatch(/^auto_\d{8}_\d{4}$/);
  });
});

describe('the state', () => {
  it('refuses an operation that does not fit, saying which', () => {
    const current = state({ blog: [Note] });
    expect(() => applyToState(current, 'blog', op.removeField('blog_note', 'nope'))).toThrow("Remove field nope from blog_note: blog_note has no field 'nope'.");
    expect(() => applyToState(current, 'blog', op.createModel('blog_note', { id: field.id() }))).toThrow('exists already');
    expect(() => applyToState(current, 'blog', op.createModel('blog_x', { name: field.text() }))).toThrow('no primary key');
    applyToState(current, 'blog', op.addIndex('blog_note', ['title']));
    expect(() => applyToState(current, 'blog', op.removeField('blog_note', 'title'))).toThrow('it is in index (title); remove that first');
  });
});
