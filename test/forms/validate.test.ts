/**
 * `await request.validate(schema)`: JSON bodies and query strings checked
 * by a Standard Schema; every kind of bad input answered with RFC 9457
 * problem details and the right status (400, 413, 415), never a 500.
 */
import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { PROBLEM_CONTENT_TYPE, type Problem } from '../../src/runtime/forms/index.js';
import { createApplication, json, path, type Middleware, type Request } from '../../src/runtime/http/index.js';
import { Client, type TestResponse } from '../../src/runtime/test/index.js';
import { JSON_TYPE } from './helpers.js';

const Hello = v.object({ name: v.pipe(v.string('Give the name as text.'), v.trim(), v.nonEmpty('Please enter your name.'), v.maxLength(100, 'Use at most 100 characters.')) });
const Order = v.strictObject({
  items: v.array(v.object({ sku: v.string(), quantity: v.pipe(v.number('Give the quantity as a number.'), v.integer(), v.minValue(1, 'Order at least 1.')) })),
});
const Search = v.object({ q: v.pipe(v.string('Give one search.'), v.nonEmpty('Search for something.')), page: v.optional(v.pipe(v.string(), v.toNumber('page is a number.')), '1') });

let seen: unknown;
async function hello(request: Request) {
  const data = await request.validate(Hello);
  expectTypeOf(data).toEqualTypeOf<{ name: string }>();
  seen = data;
  return json({ greeting: `Hello, ${data.name}!` });
}
async function order(request: Request) {
  return json(await request.validate(Order, { maxBytes: 10_000, maxDepth: 4 }));
}
async function search(request: Request) {
  return json(await request.validate(Search));
}

/** A middleware that stamps every response: it must see the problem responses too. */
const stamp: Middleware = (next) => async (request) => {
  const response = await next(request);
  response.headers.push(['X-Stamp', 'yes']);
  return response;
};

const client = new Client(
  createApplication([path('hello/', hello), path('order/', order), path('search/', search)], {
    middleware: [stamp],
    errors: { debug: false, settings: () => ({}) },
  }),
);

const postJson = (target: string, body: string | Buffer, headers: Record<string, string> = JSON_TYPE) => client.post(target, body, { headers });

function problemOf(response: TestResponse): Problem {
  expect(response.header('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  expect(response.header('x-stamp')).toBe('yes');
  const body = response.json() as Problem;
  expect(body.status).toBe(response.status);
  expect(body.type).toBe('about:blank');
  return body;
}

describe('JSON bodies', () => {
  it('returns the validated, typed data', async () => {
    const response = await postJson('/hello/', JSON.stringify({ name: '  Ada  ', admin: true }));
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ greeting: 'Hello, Ada!' });
    // Extra fields are dropped by an object schema…
    expect(seen).toEqual({ name: 'Ada' });
  });

  it('answers invalid data with 400 problem details listing each path and message', async () => {
    const response = await postJson('/order/', JSON.stringify({ items: [{ sku: 'a', quantity: 0 }, { sku: 'b', quantity: 'two' }], coupon: 'FREE' }));
    expect(response.status).toBe(400);
    expect(problemOf(response)).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'The JSON body is not valid (3 errors).',
      errors: [
        { path: 'items.0.quantity', pointer: '#/items/0/quantity', message: 'Order at least 1.' },
        { path: 'items.1.quantity', pointer: '#/items/1/quantity', message: 'Give the quantity as a number.' },
        // …and refused by a strict one.
        { path: 'coupon', pointer: '#/coupon', message: 'Invalid key: Expected never but received "coupon"' },
      ],
    });
  });

  it('answers missing fields, wrong types and huge strings with 400', async () => {
    expect(problemOf(await postJson('/hello/', '{}')).errors).toEqual([{ path: 'name', pointer: '#/name', message: 'Invalid key: Expected "name" but received undefined' }]);
    expect(problemOf(await postJson('/hello/', '{"name":["a","b"]}')).errors).toEqual([{ path: 'name', pointer: '#/name', message: 'Give the name as text.' }]);
    expect(problemOf(await postJson('/hello/', '{"name":42}')).errors?.[0]?.message).toBe('Give the name as text.');
    expect(problemOf(await postJson('/hello/', '"Ada"')).errors).toEqual([{ path: '', pointer: '#', message: 'Invalid type: Expected Object but received "Ada"' }]);
    const huge = await postJson('/hello/', JSON.stringify({ name: 'x'.repeat(2_000_000) }));
    expect(huge.status).toBe(400);
    expect(problemOf(huge).errors).toEqual([{ path: 'name', pointer: '#/name', message: 'Use at most 100 characters.' }]);
  });

  it('brings strings to NFC before validating', async () => {
    await postJson('/hello/', JSON.stringify({ name: 'Ame\u0301lie' }));
    expect(seen).toEqual({ name: 'Am\u00e9lie' });
  });

  it('refuses __proto__ keys and constructor.prototype, at any depth, escaped or not', async () => {
    for (const body of [
      '{"name":"Ada","__proto__":{"polluted":true}}',
      '{"name":"Ada","\\u005f_proto__":{"polluted":true}}',
      '{"items":[{"sku":"a","quantity":1,"__proto__":{"polluted":true}}]}',
      '{"name":"Ada","constructor":{"prototype":{"polluted":true}}}',
    ]) {
      const response = await postJson('/hello/', body);
      expect(response.status, body).toBe(400);
      expect(problemOf(response).detail).toMatch(/^The key "(__proto__|constructor)" at #\/.* is not allowed in a JSON body\.$/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // A plain "constructor" value is data like any other: dropped by the object schema.
    expect((await postJson('/hello/', '{"name":"Ada","constructor":"x"}')).status).toBe(200);
    expect(seen).toEqual({ name: 'Ada' });
  });

  it('answers a body that is not JSON with 400, saying why', async () => {
    const response = await postJson('/hello/', '{"name": "Ada"');
    expect(response.status).toBe(400);
    expect(problemOf(response).detail).toMatch(/^The body is not valid JSON: .+\.$/);
    expect(problemOf(await postJson('/hello/', '')).detail).toBe('The body is empty: send a JSON document.');
    expect(problemOf(await postJson('/hello/', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]))).detail).toBe('The body is not valid UTF-8.');
  });

  it('answers the wrong content type with 415', async () => {
    const form = await postJson('/hello/', 'name=Ada', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(problemOf(form).detail).toBe('The body is application/x-www-form-urlencoded; this endpoint takes JSON (Content-Type: application/json).');
    expect((await postJson('/hello/', '{"name":"Ada"}', {})).status).toBe(415);
    expect(problemOf(await postJson('/hello/', '{"name":"Ada"}', { 'Content-Type': 'application/json; charset=latin1' })).detail).toBe(
      "The body's charset is latin1; JSON must be sent as UTF-8.",
    );
    // +json types and a UTF-8 charset are JSON.
    expect((await postJson('/hello/', '{"name":"Ada"}', { 'Content-Type': 'application/merge-patch+json' })).status).toBe(200);
    expect((await postJson('/hello/', '{"name":"Ada"}', { 'Content-Type': 'Application/JSON; charset="UTF-8"' })).status).toBe(200);
  });

  it('answers a body over the limit with 413, by its Content-Length and by what arrives', async () => {
    const big = JSON.stringify({ items: [{ sku: 'x'.repeat(20_000), quantity: 1 }] });
    const declared = await postJson('/order/', big);
    expect(declared.status).toBe(413);
    expect(problemOf(declared).detail).toBe(`The body is ${big.length} bytes; the limit is 10000.`);
    // Content-Length understated: the bytes read are counted too (the server stops at its length; here the test client passes it all).
    const undeclared = await client.post('/order/', big, { headers: { ...JSON_TYPE }, environ: { CONTENT_LENGTH: undefined } });
    expect(undeclared.status).toBe(413);
  });

  it('answers nesting deeper than the limit with 400, before parsing it', async () => {
    const deep = await postJson('/order/', JSON.stringify({ items: [{ sku: { a: { b: [] } }, quantity: 1 }] }));
    expect(deep.status).toBe(400);
    expect(problemOf(deep).detail).toBe('The JSON body nests deeper than 4 levels.');
    // Brackets inside strings do not count.
    expect((await postJson('/order/', JSON.stringify({ items: [{ sku: '[[[[[[{{{{', quantity: 1 }] }))).status).toBe(200);
    // A few megabytes of [[[[ under the default limit of 32 (JSON.parse alone would take seconds).
    const bomb = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    const started = performance.now();
    const response = await postJson('/hello/', bomb);
    expect(response.status).toBe(400);
    expect(problemOf(response).detail).toBe('The JSON body nests deeper than 32 levels.');
    expect(performance.now() - started).toBeLessThan(5_000); // a hang guard, not a speed figure
  });
});

describe('query strings', () => {
  it('validates the query string of a GET: one value a string, several an array', async () => {
    expect((await client.get('/search/?q=tsgate&page=2')).json()).toEqual({ q: 'tsgate', page: 2 });
    expect((await client.get('/search/?q=tsgate')).json()).toEqual({ q: 'tsgate', page: 1 });
    const twice = await client.get('/search/?q=a&q=b');
    expect(twice.status).toBe(400);
    expect(problemOf(twice)).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'The query string is not valid (1 error).',
      errors: [{ path: 'q', message: 'Give one search.' }],
    });
    expect(problemOf(await client.get('/search/')).errors).toEqual([{ path: 'q', message: 'Invalid key: Expected "q" but received undefined' }]);
    expect(problemOf(await client.get('/search/?q=x&page=two')).errors).toEqual([{ path: 'page', message: 'page is a number.' }]);
  });

  it('refuses __proto__ as a parameter name and normalises values', async () => {
    const response = await client.get('/search/?q=x&__proto__=y');
    expect(response.status).toBe(400);
    expect(problemOf(response).detail).toBe('The query parameter "__proto__" is not allowed.');
    expect((await client.get(`/search/?q=${encodeURIComponent('Ame\u0301lie')}&constructor=x`)).json()).toEqual({ q: 'Am\u00e9lie', page: 1 });
  });

  it('takes the source explicitly: query on a POST', async () => {
    const app = createApplication([path('', async (request) => json(await request.validate(Search, { source: 'query' })))], { errors: { debug: false, settings: () => ({}) } });
    expect((await new Client(app).post('/?q=post', 'ignored')).json()).toEqual({ q: 'post', page: 1 });
  });
});

describe('schemas of other libraries and asynchronous schemas', () => {
  it('awaits an asynchronous schema', async () => {
    const Async = v.objectAsync({ name: v.pipeAsync(v.string(), v.checkAsync(async (name) => name !== 'taken', 'That name is taken.')) });
    const app = createApplication([path('', async (request) => json(await request.validate(Async)))], { errors: { debug: false, settings: () => ({}) } });
    const response = await new Client(app).post('/', '{"name":"taken"}', { headers: JSON_TYPE });
    expect(response.status).toBe(400);
    expect((response.json() as Problem).errors).toEqual([{ path: 'name', pointer: '#/name', message: 'That name is taken.' }]);
  });
});
