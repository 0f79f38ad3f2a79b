/**
 * ModelForm's half: form fields from model field descriptions (kind and
 * options, as `model('blog_note', { title: field.varchar(200), … })` will
 * describe them), given here as literals, and from model() itself. Each kind's schema, widget,
 * attributes, initial value, null handling and typed clean value.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineForm, formFieldFor, modelFormFields, REQUIRED, type ModelFieldDescription } from '../../src/runtime/forms/index.js';

const note = {
  id: { kind: 'id' },
  title: { kind: 'varchar', maxLength: 200 },
  body: { kind: 'text' },
  summary: { kind: 'varchar', maxLength: 20, null: true },
  views: { kind: 'integer', default: 0 },
  size: { kind: 'bigint' },
  rating: { kind: 'float', null: true },
  price: { kind: 'decimal', maxDigits: 5, decimalPlaces: 2 },
  published: { kind: 'boolean', default: false },
  featured: { kind: 'boolean', null: true },
  day: { kind: 'date' },
  at: { kind: 'timestamp', null: true },
  meta: { kind: 'json', null: true },
  ref: { kind: 'uuid', unique: true },
  author: { kind: 'foreignKey' },
} as const satisfies Record<string, ModelFieldDescription>;

/** The clean value, or the messages, of one field given `text`. */
async function clean(description: ModelFieldDescription, text: string | boolean): Promise<unknown> {
  const Form = defineForm({ fields: { x: formFieldFor(description) } });
  const form = await Form.bind(typeof text === 'boolean' ? (text ? { x: 'on' } : {}) : { x: text });
  return form.isValid() ? form.cleanedData.x : form.errors.x;
}

describe('a form from a model: modelFormFields(model, { fields })', () => {
  const NoteForm = defineForm({ fields: modelFormFields(note, { fields: ['title', 'body'], help: { body: 'Markdown.' } }) });

  it('has exactly the fields named, in order, with labels, widgets and attributes from the model', () => {
    expect(NoteForm.fields.map(({ name, label, widget, required, help }) => ({ name, label, widget, required, help }))).toEqual([
      { name: 'title', label: 'Title', widget: 'text', required: true, help: '' },
      { name: 'body', label: 'Body', widget: 'textarea', required: true, help: 'Markdown.' },
    ]);
    expect(NoteForm.fields[0]?.attrs).toEqual([{ name: 'maxlength', value: '200', boolean: false }]);
  });

  it('cleans to the model values, typed', async () => {
    const form = await NoteForm.bind({ title: '  Forms  ', body: 'Text', views: '99', id: '7' });
    expect(form.cleanedData).toEqual({ title: 'Forms', body: 'Text' });
    if (form.isValid()) expectTypeOf(form.cleanedData).toEqualTypeOf<{ title: string; body: string }>();
    expect((await NoteForm.bind({ title: 'x'.repeat(201), body: '' })).errors).toEqual({
      title: ['Ensure this value has at most 200 characters (it has 201).'],
      body: [REQUIRED],
    });
  });

  it('types every kind, null included', () => {
    const fields = modelFormFields(note, { fields: ['views', 'size', 'rating', 'price', 'published', 'featured', 'day', 'at', 'meta', 'ref', 'author', 'summary'] });
    const Form = defineForm({ fields });
    type Data = NonNullable<Awaited<ReturnType<typeof Form.bind>>['cleanedData']>;
    expectTypeOf<Data>().toEqualTypeOf<{
      views: number;
      size: bigint;
      rating: number | null;
      price: string;
      published: boolean;
      featured: boolean | null;
      day: string;
      at: Date | null;
      meta: unknown;
      ref: string;
      author: number;
      summary: string | null;
    }>();
  });

  it('refuses an id field and a name the model does not have', () => {
    expect(() => modelFormFields(note, { fields: ['id'] })).toThrow('an id field is not editable: leave it out of the form');
    expect(() => modelFormFields(note, { fields: ['nope' as 'title'] })).toThrow('the model has no field "nope"');
  });

  it('takes labels, widgets and choices per field: a foreign key as a select of the related rows', async () => {
    const Form = defineForm({
      fields: modelFormFields(note, { fields: ['author', 'title'], labels: { author: 'Written by' }, widgets: { title: 'textarea' }, choices: { author: [['1', 'Ada'], ['2', 'Grace']] } }),
    });
    expect(Form.fields.map(({ label, widget }) => [label, widget])).toEqual([
      ['Written by', 'select'],
      ['Title', 'textarea'],
    ]);
    expect((await Form.bind({ author: '2', title: 't' })).cleanedData).toEqual({ author: 2, title: 't' });
    expect((await Form.bind({ author: '3', title: 't' })).errors).toEqual({ author: ['Select a valid choice; "3" is not one of the choices.'] });
  });
});

describe('formFieldFor: one kind at a time', () => {
  it('varchar and text: trimmed, required unless null (then empty is null)', async () => {
    expect(await clean(note.title, '  a  ')).toBe('a');
    expect(await clean(note.title, '   ')).toEqual([REQUIRED]);
    expect(await clean(note.summary, '  ')).toBeNull();
    expect(await clean(note.summary, 'x'.repeat(21))).toEqual(['Ensure this value has at most 20 characters (it has 21).']);
    expect(await clean(note.body, ' line\n')).toBe('line');
  });

  it('integer and bigint: whole numbers within their column', async () => {
    expect(await clean(note.views, ' -12 ')).toBe(-12);
    expect(await clean(note.views, '1.5')).toEqual(['Enter a whole number.']);
    expect(await clean(note.views, '0x10')).toEqual(['Enter a whole number.']);
    expect(await clean(note.views, '2147483648')).toEqual(['Ensure this value is less than or equal to 2147483647.']);
    expect(await clean(note.views, '')).toEqual([REQUIRED]);
    expect(await clean(note.size, '9007199254740993')).toBe(9007199254740993n);
    expect(await clean(note.size, '9223372036854775808')).toEqual(['Ensure this value is less than or equal to 9223372036854775807.']);
    expect(formFieldFor(note.views)).toMatchObject({ widget: 'number', initial: 0, attrs: { step: 1, min: -2147483648, max: 2147483647 } });
  });

  it('float and decimal: numbers; decimals exact, within their digits', async () => {
    expect(await clean(note.rating, '2.5e1')).toBe(25);
    expect(await clean(note.rating, 'Infinity')).toEqual(['Enter a number.']);
    expect(await clean(note.rating, '')).toBeNull();
    expect(await clean(note.price, '+123.45')).toBe('123.45');
    expect(await clean(note.price, '0.1')).toBe('0.1');
    expect(await clean(note.price, '1.234')).toEqual(['Ensure that there are no more than 2 decimal places.']);
    expect(await clean(note.price, '1234.5')).toEqual(['Ensure that there are no more than 3 digits before the decimal point.']);
    expect(await clean(note.price, '12345.6')).toEqual(['Ensure that there are no more than 5 digits in total.', 'Ensure that there are no more than 3 digits before the decimal point.']);
    expect(await clean(note.price, '1,5')).toEqual(['Enter a number.']);
    expect(await clean(note.price, '.')).toEqual(['Enter a number.']);
  });

  it('boolean: a checkbox, never required; a null boolean a Yes/No/Unknown select', async () => {
    expect(await clean(note.published, true)).toBe(true);
    expect(await clean(note.published, false)).toBe(false);
    expect(formFieldFor(note.published)).toMatchObject({ widget: 'checkbox', initial: false });
    expect(defineForm({ fields: { p: formFieldFor(note.published) } }).fields[0]?.required).toBe(false);
    expect(await clean(note.featured, 'true')).toBe(true);
    expect(await clean(note.featured, 'false')).toBe(false);
    expect(await clean(note.featured, '')).toBeNull();
    expect(await clean(note.featured, 'maybe')).toEqual(['Select a valid choice; "maybe" is not one of the choices.']);
  });

  it('date and timestamp: real calendar days; timestamps as UTC Dates', async () => {
    expect(await clean(note.day, '2024-02-29')).toBe('2024-02-29');
    expect(await clean(note.day, '2023-02-29')).toEqual(['Enter a valid date.']);
    expect(await clean(note.day, '29/02/2024')).toEqual(['Enter a valid date.']);
    expect(await clean(note.at, '2024-05-01T13:45')).toEqual(new Date('2024-05-01T13:45:00Z'));
    expect(await clean(note.at, '2024-13-01T13:45')).toEqual(['Enter a valid date/time.']);
    expect(await clean(note.at, '')).toBeNull();
    expect(formFieldFor(note.at).widget).toBe('datetime');
  });

  it('json: parsed, and refused when not JSON or nested past the limit', async () => {
    expect(await clean(note.meta, '{"tags": ["a"]}')).toEqual({ tags: ['a'] });
    expect(await clean(note.meta, '{tags}')).toEqual(['Enter valid JSON.']);
    expect(await clean(note.meta, '['.repeat(100_000) + ']'.repeat(100_000))).toEqual(['Enter valid JSON.']);
    expect(await clean(note.meta, '')).toBeNull();
  });

  it('uuid: lower-cased and checked', async () => {
    expect(await clean(note.ref, ' 0F8FAD5B-D9CB-469F-A165-70867728950E ')).toBe('0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(await clean(note.ref, 'not-a-uuid')).toEqual(['Enter a valid UUID.']);
  });

  it('leaves a function default out of the initial value', () => {
    expect(formFieldFor({ kind: 'timestamp', default: () => new Date() })).not.toHaveProperty('initial');
  });
});

describe('a form from a declared model', () => {
  it('takes its fields from model(): kinds, limits, null and defaults, with typed clean data', async () => {
    const { field, model } = await import('../../src/runtime/db/models/index.js');
    const Note = model('blog_note', {
      id: field.id(),
      title: field.varchar(200),
      rating: field.integer({ null: true }),
      published: field.boolean({ default: false }),
      author: field.foreignKey('blog_author'),
    });
    const NoteForm = defineForm({ fields: modelFormFields(Note.fields, { fields: ['title', 'rating', 'published', 'author'] }) });
    const form = await NoteForm.bind({ title: '  Models ', rating: '', author: '3' });
    expect(form.isValid()).toBe(true);
    expect(form.cleanedData).toEqual({ title: 'Models', rating: null, published: false, author: 3 });
    if (form.isValid()) expectTypeOf(form.cleanedData).toEqualTypeOf<{ title: string; rating: number | null; published: boolean; author: number }>();
    expect((await NoteForm.bind({ title: 'x'.repeat(201), author: '1' })).errors.title).toEqual(['Ensure this value has at most 200 characters (it has 201).']);
    expect(() => modelFormFields(Note.fields, { fields: ['id'] })).toThrow('not editable');
  });
});
