import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApplication, path, text } from '../../src/runtime/http/index.js';
import { projectFinders, safeRelativePath, withStaticFiles } from '../../src/runtime/staticfiles/index.js';
import { Client } from '../../src/runtime/test/index.js';
import type { Application } from '../../src/runtime/tsgi/types.js';
import { tempDir } from '../helpers/process.js';

let app: Application;
let base = '';

beforeAll(() => {
  base = tempDir('tsgate-static-');
  mkdirSync(join(base, 'static', 'css'), { recursive: true });
  mkdirSync(join(base, 'vendorfiles'), { recursive: true });
  mkdirSync(join(base, 'pages', 'static', 'pages'), { recursive: true });
  writeFileSync(join(base, 'static', 'css', 'site.css'), 'body { color: red }\n');
  writeFileSync(join(base, 'static', 'shared.txt'), 'from project\n');
  writeFileSync(join(base, 'vendorfiles', 'lib.js'), 'export {};\n');
  writeFileSync(join(base, 'pages', 'static', 'pages', 'app.css'), 'p {}\n');
  writeFileSync(join(base, 'pages', 'static', 'shared.txt'), 'from app\n');
  writeFileSync(join(base, 'secret.txt'), 'outside\n');
  symlinkSync(join(base, 'secret.txt'), join(base, 'static', 'escape.txt'));
  const finders = projectFinders(base, [join(base, 'static'), ['vendor', join(base, 'vendorfiles')]], ['pages']);
  const inner = createApplication([path('<path:rest>', () => text('app'))]);
  app = withStaticFiles(inner, { url: '/static/', find: (relative) => finders.find(relative) });
});

describe('static files from the finders', () => {
  it('serves a file with its type, length and validators; HEAD has no body', async () => {
    const client = new Client(app);
    const response = await client.get('/static/css/site.css');
    expect(response.status).toBe(200);
    expect(response.text()).toBe('body { color: red }\n');
    expect(response.header('content-type')).toBe('text/css; charset=utf-8');
    expect(response.header('content-length')).toBe('20');
    expect(response.header('etag')).toMatch(/^W\/"/);
    expect(response.header('last-modified')).toBeDefined();
    const head = await client.head('/static/css/site.css');
    expect(head.body.byteLength).toBe(0);
    expect(head.header('content-length')).toBe('20');
  });

  it('takes the first finder that has a path, prefixes included, apps after STATICFILES_DIRS', async () => {
    const client = new Client(app);
    expect((await client.get('/static/shared.txt')).text()).toBe('from project\n');
    expect((await client.get('/static/pages/app.css')).text()).toBe('p {}\n');
    expect((await client.get('/static/vendor/lib.js')).header('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await client.get('/static/lib.js')).status).toBe(404);
  });

  it('answers 304 to a matching If-None-Match or a fresh If-Modified-Since', async () => {
    const client = new Client(app);
    const first = await client.get('/static/css/site.css');
    const again = await client.get('/static/css/site.css', { headers: { 'If-None-Match': first.header('etag') ?? '' } });
    expect(again.status).toBe(304);
    expect(again.body.byteLength).toBe(0);
    const since = await client.get('/static/css/site.css', { headers: { 'If-Modified-Since': first.header('last-modified') ?? '' } });
    expect(since.status).toBe(304);
    const stale = await client.get('/static/css/site.css', { headers: { 'If-Modified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' } });
    expect(stale.status).toBe(200);
  });

  it.each([
    '/static/../secret.txt',
    '/static/css/../../secret.txt',
    '/static/%2e%2e/secret.txt',
    '/static/css%2f..%2f..%2fsecret.txt',
    '/static/..%5csecret.txt',
    '/static/css/site.css%00.png',
    '/static/escape.txt',
    '/static/css/',
    '/static/',
  ])('refuses %s with a 404 and never shows what is outside', async (target) => {
    const response = await new Client(app).get(target);
    expect(response.status).toBe(404);
    expect(response.text()).not.toContain('outside');
  });

  it('answers 405 with Allow to methods other than GET and HEAD, and leaves other paths to the app', async () => {
    const client = new Client(app);
    const post = await client.post('/static/css/site.css', 'x');
    expect(post.status).toBe(405);
    expect(post.header('allow')).toBe('GET, HEAD');
    expect((await client.get('/elsewhere')).text()).toBe('app');
  });
});

describe('safeRelativePath', () => {
  it('keeps clean paths and refuses dot segments, backslashes and NUL', () => {
    expect(safeRelativePath('css/site.css')).toBe('css/site.css');
    expect(safeRelativePath('css//site.css')).toBe('css/site.css');
    expect(safeRelativePath('a/../b')).toBeUndefined();
    expect(safeRelativePath('./a')).toBeUndefined();
    expect(safeRelativePath('a\\b')).toBeUndefined();
    expect(safeRelativePath('a\0b')).toBeUndefined();
    expect(safeRelativePath('')).toBeUndefined();
  });
});

describe('projectStaticUrl', () => {
  it('maps names through the manifest in production and refuses a name it lacks', async () => {
    const { projectStaticUrl } = await import('../../src/runtime/staticfiles/index.js');
    const root = tempDir('tsgate-manifest-');
    writeFileSync(join(root, 'staticfiles.json'), JSON.stringify({ version: '1.1', paths: { 'css/site.css': 'css/site.0123456789ab.css' } }));
    const production = { DEBUG: false, STATIC_ROOT: root, STATIC_URL: '/static/' } as Parameters<typeof projectStaticUrl>[0];
    const url = projectStaticUrl(production);
    expect(typeof url).toBe('function');
    if (typeof url !== 'function') return;
    expect(url('css/site.css')).toBe('/static/css/site.0123456789ab.css');
    expect(() => url('css/missing.css')).toThrow("Missing staticfiles manifest entry for 'css/missing.css'");
    expect(projectStaticUrl({ ...production, DEBUG: true })).toBe('/static/');
    expect(projectStaticUrl({ ...production, STATIC_ROOT: join(root, 'nope') })).toBe('/static/');
  });
});
