/**
 * Standard Schema: the same sign-up form and the same API, written with
 * zod (v4), valibot and arktype, behave alike: typed clean data, field
 * errors, a cross-field rule on `confirm`, problem details for the API.
 */
import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as z from 'zod';
import { defineForm, type Problem, type StandardSchemaV1 } from '../../src/runtime/forms/index.js';
import { createApplication, json, path } from '../../src/runtime/http/index.js';
import { Client } from '../../src/runtime/test/index.js';
import { JSON_TYPE } from './helpers.js';

interface Library {
  name: string;
  email: StandardSchemaV1<unknown, string>;
  password: StandardSchemaV1<unknown, string>;
  /** An object of email, password and confirm whose rule puts "The passwords differ." on confirm. */
  signup: StandardSchemaV1<unknown, { email: string; password: string; confirm: string }>;
}

const DIFFER = 'The passwords differ.';

const libraries: Library[] = [
  {
    name: 'zod',
    email: z.email('Enter a valid email address.'),
    password: z.string().min(8, 'Use at least 8 characters.'),
    signup: z
      .object({ email: z.email('Enter a valid email address.'), password: z.string().min(8, 'Use at least 8 characters.'), confirm: z.string() })
      .refine((data) => data.password === data.confirm, { message: DIFFER, path: ['confirm'] }),
  },
  {
    name: 'valibot',
    email: v.pipe(v.string(), v.email('Enter a valid email address.')),
    password: v.pipe(v.string(), v.minLength(8, 'Use at least 8 characters.')),
    signup: v.pipe(
      v.object({ email: v.pipe(v.string(), v.email('Enter a valid email address.')), password: v.pipe(v.string(), v.minLength(8, 'Use at least 8 characters.')), confirm: v.string() }),
      v.forward(
        v.partialCheck([['password'], ['confirm']], (data) => data.password === data.confirm, DIFFER),
        ['confirm'],
      ),
    ),
  },
  {
    name: 'arktype',
    email: type('string.email').configure({ message: 'Enter a valid email address.' }),
    password: type('string >= 8').configure({ message: 'Use at least 8 characters.' }),
    signup: type({ email: type('string.email').configure({ message: 'Enter a valid email address.' }), password: type('string >= 8').configure({ message: 'Use at least 8 characters.' }), confirm: 'string' }).narrow(
      (data, ctx) => data.password === data.confirm || ctx.reject({ message: DIFFER, path: ['confirm'] }),
    ),
  },
];

describe.each(libraries)('$name schemas', (library) => {
  it('clean a form field by field, typed, with field errors', async () => {
    const Login = defineForm({ fields: { email: { widget: 'email', schema: library.email }, password: { widget: 'password', schema: library.password } } });
    const good = await Login.bind({ email: 'ada@example.com', password: 'correct horse' });
    expect(good.cleanedData).toEqual({ email: 'ada@example.com', password: 'correct horse' });
    if (good.isValid()) expectTypeOf(good.cleanedData).toEqualTypeOf<{ email: string; password: string }>();
    const bad = await Login.bind({ email: 'not an address', password: 'short' });
    expect(bad.errors).toEqual({ email: ['Enter a valid email address.'], password: ['Use at least 8 characters.'] });
    expect(Login.fields.map((field) => field.required)).toEqual([true, true]);
  });

  it('carry a cross-field rule as the form schema, its issue on the field it names', async () => {
    const Signup = defineForm({ fields: { email: { widget: 'email' }, password: { widget: 'password' }, confirm: { widget: 'password' } }, schema: library.signup });
    expect((await Signup.bind({ email: 'ada@example.com', password: 'correct horse', confirm: 'correct horse' })).cleanedData).toEqual({
      email: 'ada@example.com',
      password: 'correct horse',
      confirm: 'correct horse',
    });
    const differ = await Signup.bind({ email: 'ada@example.com', password: 'correct horse', confirm: 'battery staple' });
    expect(differ.errors).toEqual({ confirm: [DIFFER] });
    expect(differ.nonFieldErrors).toEqual([]);
  });

  it('validate a JSON body, answering problem details', async () => {
    const app = createApplication([path('', async (request) => json(await request.validate(library.signup)))], { errors: { debug: false, settings: () => ({}) } });
    const client = new Client(app);
    const ok = await client.post('/', JSON.stringify({ email: 'ada@example.com', password: 'correct horse', confirm: 'correct horse' }), { headers: JSON_TYPE });
    expect(ok.status).toBe(200);
    const bad = await client.post('/', JSON.stringify({ email: 'x', password: 'correct horse', confirm: 'correct horse' }), { headers: JSON_TYPE });
    expect(bad.status).toBe(400);
    expect((bad.json() as Problem).errors).toEqual([{ path: 'email', pointer: '#/email', message: 'Enter a valid email address.' }]);
  });
});
