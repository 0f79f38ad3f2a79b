/**
 * Forms (tsgate/forms): binding submitted data, cleaning it through each
 * field's schema and the form's, errors on fields and on the form, and the
 * bad input of issue 16 — missing and extra fields, wrong types, huge
 * strings, `name=a&name=b`, Unicode normal forms, `__proto__` and
 * `constructor` — none reaching the clean data as anything but validated.
 */
import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineForm, prettyName, type UploadedFile } from '../../src/runtime/forms/index.js';

const nameSchema = v.pipe(v.string(), v.trim(), v.nonEmpty('Please enter your name.'), v.maxLength(100, 'Use at most 100 characters.'));
const NameForm = defineForm({ fields: { name: { schema: nameSchema, label: 'Your name' } } });

describe('binding and cleaning', () => {
  it('cleans a valid submission into typed data', async () => {
    const form = await NameForm.bind(new URLSearchParams('name=%20Ada%20Lovelace%20'));
    expect(form.isBound).toBe(true);
    expect(form.isValid()).toBe(true);
    expect(form.cleanedData).toEqual({ name: 'Ada Lovelace' });
    expect(form.errors).toEqual({});
    if (form.isValid()) expectTypeOf(form.cleanedData).toEqualTypeOf<{ name: string }>();
  });

  it('binds a plain object, and a request-like source (its form() and files())', async () => {
    expect((await NameForm.bind({ name: 'Ada' })).cleanedData).toEqual({ name: 'Ada' });
    const request = { form: async () => new URLSearchParams('name=Grace'), files: async (): Promise<UploadedFile[]> => [] };
    expect((await NameForm.bind(request)).cleanedData).toEqual({ name: 'Grace' });
  });

  it('puts the schema message on the field; the form is invalid and has no clean data', async () => {
    const form = await NameForm.bind(new URLSearchParams('name=%20%20%20'));
    expect(form.isValid()).toBe(false);
    expect(form.cleanedData).toBeUndefined();
    expect(form.errors).toEqual({ name: ['Please enter your name.'] });
    expect(form.name.errors).toEqual(['Please enter your name.']);
    expect(form.nonFieldErrors).toEqual([]);
  });

  it('treats a missing field as an empty input, as a browser sends one', async () => {
    const form = await NameForm.bind(new URLSearchParams(''));
    expect(form.errors).toEqual({ name: ['Please enter your name.'] });
  });

  it('ignores fields it does not declare, hostile names included', async () => {
    const before = Object.getOwnPropertyNames(Object.prototype).length;
    const form = await NameForm.bind(new URLSearchParams('name=Ada&admin=1&__proto__[polluted]=1&__proto__=x&constructor[prototype][polluted]=1&constructor=x&toString=1'));
    expect(form.isValid()).toBe(true);
    expect(form.cleanedData).toEqual({ name: 'Ada' });
    expect(Object.keys(form.cleanedData ?? {})).toEqual(['name']);
    expect(Object.getPrototypeOf(form.cleanedData)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).toHaveLength(before);
  });

  it('ignores hostile own keys of a plain object source (a parsed JSON body)', async () => {
    const parsed = JSON.parse('{"name":"Ada","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}') as Record<string, string>;
    const form = await NameForm.bind(parsed);
    expect(form.cleanedData).toEqual({ name: 'Ada' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads a plain object whatever its values are (a parsed JSON body is not typed)', async () => {
    const parsed = JSON.parse('{"name": 42, "tags": ["a", 1], "none": null}') as Record<string, string>;
    expect((await NameForm.bind(parsed)).cleanedData).toEqual({ name: '42' });
    const Tags = defineForm({ fields: { tags: { choices: ['a', '1'], multiple: true }, none: {} } });
    expect((await Tags.bind(parsed)).cleanedData).toEqual({ tags: ['a', '1'], none: '' });
  });

  it('refuses several values for a one-value field (name=a&name=b), with its own message', async () => {
    const form = await NameForm.bind(new URLSearchParams('name=a&name=b'));
    expect(form.errors).toEqual({ name: ['Send one value for this field, not 2.'] });
    const custom = defineForm({ fields: { name: { schema: nameSchema, messages: { multiple: 'One name, please ({count} sent).' } } } });
    expect((await custom.bind(new URLSearchParams('name=a&name=b&name=c'))).errors).toEqual({ name: ['One name, please (3 sent).'] });
  });

  it('refuses a huge string with the schema message, and keeps the whole value for redisplay', async () => {
    const huge = 'x'.repeat(1_000_000);
    const form = await NameForm.bind({ name: huge });
    expect(form.errors).toEqual({ name: ['Use at most 100 characters.'] });
    expect(form.name.value).toHaveLength(1_000_000);
  });

  it('brings text to NFC before the schema sees it, so length and equality count characters as people do', async () => {
    const decomposed = 'Ame\u0301lie'; // e + combining acute
    const form = await NameForm.bind({ name: `\u00a0${decomposed}\u3000` }); // no-break space, ideographic space
    expect(form.cleanedData).toEqual({ name: 'Amélie' });
    expect(form.cleanedData?.name).toBe('Am\u00e9lie');
    // 100 decomposed é are 200 code units, 100 characters: within the limit once composed.
    expect((await NameForm.bind({ name: 'e\u0301'.repeat(100) })).isValid()).toBe(true);
    const raw = defineForm({ normalize: false, fields: { name: { schema: nameSchema } } });
    expect((await raw.bind({ name: decomposed })).cleanedData?.name).toBe(decomposed);
    const nfkc = defineForm({ fields: { code: { schema: v.string(), normalize: 'NFKC' } } });
    expect((await nfkc.bind({ code: 'ＡＢＣ①' })).cleanedData).toEqual({ code: 'ABC1' });
  });

  it('reports wrong types through the schema (a number field given text)', async () => {
    const AgeForm = defineForm({
      fields: { age: { widget: 'number', schema: v.pipe(v.string(), v.trim(), v.nonEmpty('Enter your age.'), v.toNumber('Enter a number.'), v.integer('Enter a whole number.'), v.minValue(0, 'Enter 0 or more.')) } },
    });
    expect((await AgeForm.bind({ age: 'twelve' })).errors).toEqual({ age: ['Enter a number.'] });
    expect((await AgeForm.bind({ age: '1.5' })).errors).toEqual({ age: ['Enter a whole number.'] });
    const ok = await AgeForm.bind({ age: ' 42 ' });
    expect(ok.cleanedData).toEqual({ age: 42 });
    if (ok.isValid()) expectTypeOf(ok.cleanedData).toEqualTypeOf<{ age: number }>();
  });

  it('keeps raw values for fields without a schema: strings, checkboxes as booleans, multiple selects as arrays', async () => {
    const Prefs = defineForm({
      fields: {
        nick: {},
        news: { widget: 'checkbox' },
        colours: { choices: ['red', 'green', 'blue'], multiple: true },
        size: { choices: [['s', 'Small'], ['l', 'Large']] },
      },
    });
    const form = await Prefs.bind(new URLSearchParams('nick=ada&news=on&colours=red&colours=blue&size=l'));
    expect(form.cleanedData).toEqual({ nick: 'ada', news: true, colours: ['red', 'blue'], size: 'l' });
    if (form.isValid()) expectTypeOf(form.cleanedData).toEqualTypeOf<{ nick: string; news: boolean; colours: string[]; size: string }>();
    expect((await Prefs.bind(new URLSearchParams('size=s'))).cleanedData).toEqual({ nick: '', news: false, colours: [], size: 's' });
    // A script may send news=false: unchecked, as Django reads it.
    expect((await Prefs.bind(new URLSearchParams('news=false&size=s'))).cleanedData?.news).toBe(false);
  });

  it('refuses a select value that is not one of its choices', async () => {
    const Pick = defineForm({ fields: { size: { choices: ['s', 'm'] }, tags: { choices: ['a', 'b'], multiple: true } } });
    const form = await Pick.bind(new URLSearchParams('size=xl&tags=a&tags=<b>'));
    expect(form.errors).toEqual({
      size: ['Select a valid choice; "xl" is not one of the choices.'],
      tags: ['Select a valid choice; "<b>" is not one of the choices.'],
    });
  });
});

describe('cross-field rules and non-field errors', () => {
  const password = v.pipe(v.string(), v.minLength(8, 'Use at least 8 characters.'));
  const Signup = defineForm({
    fields: {
      email: { widget: 'email', schema: v.pipe(v.string(), v.trim(), v.email('Enter a valid email address.')) },
      password: { widget: 'password', schema: password },
      confirm: { widget: 'password', label: 'Password again', schema: v.string() },
    },
    clean(data, form) {
      if (data.password !== data.confirm) form.addError('confirm', 'The two passwords differ.');
      if (data.email.endsWith('@example.invalid')) form.addError(null, 'Sign-ups from that domain are closed.');
    },
  });

  it('runs clean() once every field is valid: errors on a field and on the form', async () => {
    const form = await Signup.bind({ email: 'ada@example.invalid', password: 'correct horse', confirm: 'battery staple' });
    expect(form.isValid()).toBe(false);
    expect(form.errors).toEqual({ confirm: ['The two passwords differ.'] });
    expect(form.nonFieldErrors).toEqual(['Sign-ups from that domain are closed.']);
    expect(form.topErrors).toEqual(['Sign-ups from that domain are closed.']);
  });

  it('does not run clean() while a field is invalid (its data would be incomplete)', async () => {
    const form = await Signup.bind({ email: 'nope', password: 'short', confirm: 'other' });
    expect(form.errors).toEqual({ email: ['Enter a valid email address.'], password: ['Use at least 8 characters.'] });
    expect(form.nonFieldErrors).toEqual([]);
  });

  it('takes a form-level schema: issues with a field path go to the field, the others to the form', async () => {
    const Range = defineForm({
      fields: { start: { widget: 'date' }, end: { widget: 'date' } },
      schema: v.pipe(
        v.object({ start: v.pipe(v.string(), v.isoDate('Enter a date.')), end: v.pipe(v.string(), v.isoDate('Enter a date.')) }),
        v.forward(
          v.partialCheck([['start'], ['end']], (d) => d.start <= d.end, 'The end comes before the start.'),
          ['end'],
        ),
        v.check((d) => d.start.slice(0, 4) === d.end.slice(0, 4), 'Keep the range within one year.'),
      ),
    });
    expect((await Range.bind({ start: '2024-05-01', end: '2024-06-01' })).cleanedData).toEqual({ start: '2024-05-01', end: '2024-06-01' });
    expect((await Range.bind({ start: '2024-05-01', end: '2024-04-01' })).errors).toEqual({ end: ['The end comes before the start.'] });
    const cross = await Range.bind({ start: '2024-05-01', end: '2025-06-01' });
    expect(cross.nonFieldErrors).toEqual(['Keep the range within one year.']);
    expect((await Range.bind({ start: 'soon', end: 'tomorrow' })).errors).toEqual({ start: ['Enter a date.'], end: ['Enter a date.'] });
    // The form schema makes both required: it refuses them empty.
    expect(Range.fields.map((field) => field.required)).toEqual([true, true]);
  });

  it('lets the view add an error after the fact, which makes the form invalid', async () => {
    const form = await NameForm.bind({ name: 'Ada' });
    expect(form.isValid()).toBe(true);
    form.addError('name', 'That name is taken.');
    expect(form.isValid()).toBe(false);
    expect(form.cleanedData).toBeUndefined();
    expect(form.name.errors).toEqual(['That name is taken.']);
    expect(() => form.addError('nope' as 'name', 'x')).toThrow('the form has no field "nope"');
  });

  it('awaits asynchronous schemas and clean()', async () => {
    const taken = new Set(['ada']);
    const Username = defineForm({
      fields: { username: { schema: v.pipeAsync(v.string(), v.checkAsync(async (name) => !taken.has(name), 'That username is taken.')) } },
      async clean(data, form) {
        await Promise.resolve();
        if (data.username === 'root') form.addError('username', 'Reserved.');
      },
    });
    expect((await Username.bind({ username: 'ada' })).errors).toEqual({ username: ['That username is taken.'] });
    expect((await Username.bind({ username: 'root' })).errors).toEqual({ username: ['Reserved.'] });
    expect((await Username.bind({ username: 'grace' })).cleanedData).toEqual({ username: 'grace' });
  });
});

describe('unbound forms, initial values and definitions', () => {
  it('shows initial values, the per-call ones over the field defaults', () => {
    const Profile = defineForm({
      fields: { name: { initial: 'Anonymous' }, born: { widget: 'date' }, news: { widget: 'checkbox', initial: true }, bio: { widget: 'textarea' } },
    });
    const form = Profile.unbound({ initial: { born: new Date('1815-12-10T00:00:00Z') } });
    expect(form.isBound).toBe(false);
    expect(form.isValid()).toBe(false);
    expect(form.errors).toEqual({});
    expect(form.name.value).toBe('Anonymous');
    expect(form.born.value).toBe('1815-12-10');
    expect(form.news.checked).toBe(true);
    expect(form.bio.value).toBe('');
  });

  it('names fields with a prefix, so two forms share a page', async () => {
    const Address = defineForm({ fields: { city: { schema: v.pipe(v.string(), v.nonEmpty('Enter a city.')) } } });
    const billing = await Address.bind(new URLSearchParams('billing-city=Paris&shipping-city='), { prefix: 'billing' });
    const shipping = await Address.bind(new URLSearchParams('billing-city=Paris&shipping-city='), { prefix: 'shipping' });
    expect(billing.cleanedData).toEqual({ city: 'Paris' });
    expect(shipping.errors).toEqual({ city: ['Enter a city.'] });
    expect(billing.city.htmlName).toBe('billing-city');
    expect(billing.city.id).toBe('id_billing-city');
  });

  it('derives labels from names and required from the schema (its answer to the empty value)', () => {
    expect(prettyName('first_name')).toBe('First name');
    expect(prettyName('dateOfBirth')).toBe('Date of birth');
    const Mixed = defineForm({
      fields: {
        name: { schema: nameSchema },
        nickname: { schema: v.optional(v.string()) },
        terms: { widget: 'checkbox', schema: v.literal(true, 'Accept the terms to go on.') },
        news: { widget: 'checkbox', schema: v.boolean() },
        override: { schema: nameSchema, required: false },
      },
    });
    expect(Object.fromEntries(Mixed.fields.map((field) => [field.name, field.required]))).toEqual({ name: true, nickname: false, terms: true, news: false, override: false });
    expect(Mixed.fields.map((field) => field.label)).toEqual(['Name', 'Nickname', 'Terms', 'News', 'Override']);
  });

  it('refuses field names that would clash with the form or every object, and broken descriptions', () => {
    for (const name of ['errors', 'isValid', 'cleanedData', 'fields', 'constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(() => defineForm({ fields: { [name]: {} } }), name).toThrow(/the name is taken by the form itself|a field name is/);
    }
    expect(() => defineForm({ fields: { 'bad name': {} } })).toThrow('a field name is a letter or _ then letters, digits or _');
    expect(() => defineForm({ fields: {} })).toThrow('a form needs at least one field');
    expect(() => defineForm({ fields: { x: { widget: 'select' } } })).toThrow('a select needs its choices');
    expect(() => defineForm({ fields: { x: { widget: 'colour' as 'text' } } })).toThrow('unknown widget "colour"');
    expect(() => defineForm({ fields: { x: { multiple: true } } })).toThrow('only select and file fields take multiple values');
    expect(() => defineForm({ fields: { x: { attrs: { 'on"click': 'x' } } } })).toThrow('is not an HTML attribute name');
  });
});
