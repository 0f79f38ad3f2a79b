import { mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApplication, path, text } from '../../src/runtime/http/index.js';
import { fileInside, projectFinders, safeRelativePath, withProjectStatic, withStaticFiles } from '../../src/runtime/staticfiles/index.js';
import { CACHE_NAME, MANIFEST_NAME } from '../../src/runtime/staticfiles/manifest.js';
import { Client } from '../../src/runtime/test/index.js';
import type { Application } from '../../src/runtime/tsgi/types.js';
import { tempDir } from '../helpers/process.js';
import { until } from '../helpers/until.js';
import { chooseEncoding, chooseEncodingCached } from '../../src/runtime/staticfiles/accept-encoding.js';

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

  it('serves a file at its own path only: a trailing slash or an empty segment is a 404', async () => {
    const client = new Client(app);
    for (const target of ['/static/css/site.css/', '/static/css//site.css', '/static//css/site.css', '/static/css/']) {
      const response = await client.get(target);
      expect(response.status, target).toBe(404);
      expect(response.text()).toBe('Not Found\n');
    }
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

describe.each([
  ['without the cache', false],
  ['with the cache', true],
])('a collected folder %s: ranges, negotiation, validators', (_label, cache) => {
  let root = '';
  let served: Application;
  const css = `${'body { color: red; }\n'.repeat(50)}`;
  const gz = Buffer.from('GZIP-BYTES');
  const br = Buffer.from('BR');

  beforeAll(() => {
    root = tempDir('tsgate-static-root-');
    mkdirSync(join(root, 'css'), { recursive: true });
    writeFileSync(join(root, 'css', 'site.css'), css);
    writeFileSync(join(root, 'css', 'site.css.gz'), gz);
    writeFileSync(join(root, 'css', 'site.css.br'), br);
    writeFileSync(join(root, 'css', 'plain.css'), 'p {}\n');
    writeFileSync(join(root, 'logo.png'), '0123456789');
    writeFileSync(join(root, 'empty.txt'), '');
    served = withStaticFiles(createApplication([path('<path:rest>', () => text('app'))]), {
      url: '/static/',
      find: (relative) => fileInside(root, relative),
      cacheControl: 'public, max-age=60',
      cache,
    });
  });

  const get = (target: string, headers: Record<string, string> = {}) => new Client(served).get(target, { headers });

  it('serves a single Range as 206 with Content-Range, from the identity file even when compressed copies exist', async () => {
    const response = await get('/static/logo.png', { Range: 'bytes=2-5' });
    expect(response.status).toBe(206);
    expect(response.text()).toBe('2345');
    expect(response.header('content-range')).toBe('bytes 2-5/10');
    expect(response.header('content-length')).toBe('4');
    expect((await get('/static/logo.png', { Range: 'bytes=-3' })).text()).toBe('789');
    expect((await get('/static/logo.png', { Range: 'bytes=7-' })).text()).toBe('789');
    expect((await get('/static/logo.png', { Range: 'bytes=8-100' })).header('content-range')).toBe('bytes 8-9/10');
    const compressed = await get('/static/css/site.css', { Range: 'bytes=0-3', 'Accept-Encoding': 'br, gzip' });
    expect(compressed.status).toBe(206);
    expect(compressed.text()).toBe('body');
    expect(compressed.header('content-encoding')).toBeUndefined();
    expect(compressed.header('vary')).toBe('Accept-Encoding');
  });

  it('answers 416 with bytes */size to an unsatisfiable range, and the whole file to several ranges or a bad one', async () => {
    for (const range of ['bytes=10-', 'bytes=10-20', 'bytes=-0']) {
      const response = await get('/static/logo.png', { Range: range });
      expect(response.status, range).toBe(416);
      expect(response.header('content-range'), range).toBe('bytes */10');
    }
    expect((await get('/static/empty.txt', { Range: 'bytes=0-' })).header('content-range')).toBe('bytes */0');
    for (const range of ['bytes=0-1,4-5', 'bytes=5-2', 'items=0-1', 'bytes=x-y']) {
      const response = await get('/static/logo.png', { Range: range });
      expect(response.status, range).toBe(200);
      expect(response.text(), range).toBe('0123456789');
    }
  });

  it('honours If-Range only when it matches Last-Modified', async () => {
    const first = await get('/static/logo.png');
    expect((await get('/static/logo.png', { Range: 'bytes=0-1', 'If-Range': first.header('last-modified') ?? '' })).status).toBe(206);
    expect((await get('/static/logo.png', { Range: 'bytes=0-1', 'If-Range': 'Thu, 01 Jan 1970 00:00:00 GMT' })).status).toBe(200);
    expect((await get('/static/logo.png', { Range: 'bytes=0-1', 'If-Range': first.header('etag') ?? '' })).status).toBe(200);
  });

  it.each([
    ['br, gzip', 'br'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0.5, gzip;q=0.5', 'br'],
    ['gzip;q=1, br;q=0.8', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['gzip', 'gzip'],
    ['*', 'br'],
    ['*;q=0.5, br;q=0', 'gzip'],
    ['br;q=0, gzip;q=0', undefined],
    ['identity', undefined],
    ['gzip;q=0.2, identity;q=0.9', undefined],
    ['deflate', undefined],
    ['', undefined],
  ])('Accept-Encoding %j serves %s', async (accept, expected) => {
    const response = await get('/static/css/site.css', accept === '' ? {} : { 'Accept-Encoding': accept });
    expect(response.status).toBe(200);
    expect(response.header('content-encoding')).toBe(expected);
    expect(response.header('vary')).toBe('Accept-Encoding');
    expect(response.header('content-type')).toBe('text/css; charset=utf-8');
    const body = expected === 'br' ? br : expected === 'gzip' ? gz : Buffer.from(css);
    expect(Buffer.from(response.body).equals(body)).toBe(true);
    expect(response.header('content-length')).toBe(String(body.byteLength));
  });

  it('sends Vary on compressible files without copies too, and not on images; HEAD gives the served variant length', async () => {
    expect((await get('/static/css/plain.css', { 'Accept-Encoding': 'br' })).header('vary')).toBe('Accept-Encoding');
    expect((await get('/static/css/plain.css', { 'Accept-Encoding': 'br' })).header('content-encoding')).toBeUndefined();
    expect((await get('/static/logo.png')).header('vary')).toBeUndefined();
    const head = await new Client(served).head('/static/css/site.css', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(head.body.byteLength).toBe(0);
    expect(head.header('content-length')).toBe(String(gz.byteLength));
    expect(head.header('content-encoding')).toBe('gzip');
  });

  it('answers 304 to If-None-Match (weak comparison, lists, *) and If-Modified-Since, keeping Vary and Cache-Control', async () => {
    const first = await get('/static/css/site.css');
    const etag = first.header('etag') ?? '';
    for (const match of [etag, etag.replace(/^W\//, ''), `"other", ${etag}`, '*']) {
      const again = await get('/static/css/site.css', { 'If-None-Match': match });
      expect(again.status, match).toBe(304);
      expect(again.body.byteLength).toBe(0);
      expect(again.header('vary')).toBe('Accept-Encoding');
      expect(again.header('cache-control')).toBe('public, max-age=60');
    }
    expect((await get('/static/css/site.css', { 'If-None-Match': '"other"' })).status).toBe(200);
    // If-None-Match wins over If-Modified-Since.
    expect((await get('/static/css/site.css', { 'If-None-Match': '"other"', 'If-Modified-Since': first.header('last-modified') ?? '' })).status).toBe(200);
    expect((await get('/static/css/site.css', { 'If-Modified-Since': first.header('last-modified') ?? '' })).status).toBe(304);
  });

  it('notices a changed file', async () => {
    writeFileSync(join(root, 'changing.txt'), 'one');
    expect((await get('/static/changing.txt')).text()).toBe('one');
    writeFileSync(join(root, 'changing.txt'), 'two!');
    const later = new Date(Date.now() + 5000);
    utimesSync(join(root, 'changing.txt'), later, later);
    expect((await get('/static/changing.txt')).text()).toBe('two!');
    rmSync(join(root, 'changing.txt'));
    expect((await get('/static/changing.txt')).status).toBe(404);
  });

  it.each(['PUT', 'DELETE', 'OPTIONS', 'PATCH'])('answers 405 with Allow to %s', async (method) => {
    const response = await new Client(served).request(method, '/static/logo.png');
    expect(response.status).toBe(405);
    expect(response.header('allow')).toBe('GET, HEAD');
  });
});

describe('a project serving STATIC_ROOT', () => {
  it('refuses symlinks leading out of STATIC_ROOT and collectstatic\'s cache file and manifest; hashed names are immutable', async () => {
    const base = tempDir('tsgate-project-static-');
    const root = join(base, 'staticfiles');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(base, 'secret.txt'), 'outside\n');
    symlinkSync(join(base, 'secret.txt'), join(root, 'escape.txt'));
    symlinkSync(base, join(root, 'up'));
    writeFileSync(join(root, 'site.0123456789ab.css'), 'p {}\n');
    writeFileSync(join(root, 'site.css'), 'p {}\n');
    writeFileSync(join(root, CACHE_NAME), '{}');
    writeFileSync(join(root, MANIFEST_NAME), '{"version": "1.1", "paths": {}}');
    const settings = { DEBUG: false, STATIC_ROOT: root, STATIC_URL: '/static/', STATICFILES_DIRS: [], INSTALLED_APPS: [], BASE_DIR: base } as unknown as Parameters<typeof withProjectStatic>[1];
    const client = new Client(withProjectStatic(createApplication([path('<path:rest>', () => text('app'))]), settings));
    for (const target of ['/static/escape.txt', '/static/up/secret.txt', `/static/${CACHE_NAME}`, `/static/${MANIFEST_NAME}`, '/static/%2e%2e/secret.txt']) {
      const response = await client.get(target);
      expect(response.status, target).toBe(404);
      expect(response.text()).not.toContain('outside');
    }
    expect((await client.get('/static/site.0123456789ab.css')).header('cache-control')).toBe('public, max-age=315360000, immutable');
    expect((await client.get('/static/site.css')).header('cache-control')).toBe('public, max-age=60');
  });
});

describe('chooseEncodingCached', () => {
  it('answers as chooseEncoding for each set of copies, the same header remembered per set', () => {
    const headers = ['gzip, deflate, br', 'br;q=0, gzip', 'gzip;q=1, br;q=0.8', 'identity', '*', 'gzip;q=0.2, identity;q=0.9', 'deflate'];
    const sets = [[], ['br'], ['gzip'], ['br', 'gzip']] as const;
    for (let round = 0; round < 2; round++) {
      for (const available of sets) {
        for (const header of headers) expect(chooseEncodingCached(header, available), `${header} with ${available.join('+')}`).toBe(chooseEncoding(header, available));
      }
    }
    // Asked first for a file with both copies, then for a gzip-only file: not the remembered br.
    expect(chooseEncodingCached('br, gzip', ['br', 'gzip'])).toBe('br');
    expect(chooseEncodingCached('br, gzip', ['gzip'])).toBe('gzip');
  });
});

describe('revalidateMs', () => {
  /** A folder holding a.txt ('one'), served from /static/ with a cache re-checked every `revalidateMs`, the app behind it. */
  function cachedStatic(revalidateMs: number): { root: string; client: Client } {
    const root = tempDir('tsgate-static-revalidate-');
    writeFileSync(join(root, 'a.txt'), 'one');
    const app = withStaticFiles(createApplication([path('<path:rest>', () => text('app'))]), {
      url: '/static/',
      find: (relative) => fileInside(root, relative),
      cache: true,
      revalidateMs,
    });
    return { root, client: new Client(app) };
  }

  it('re-checks a cached file once the period is over', async () => {
    const { root, client } = cachedStatic(50);
    expect((await client.get('/static/a.txt')).text()).toBe('one');
    writeFileSync(join(root, 'a.txt'), 'two!');
    await until('the changed file is served', async () => (await client.get('/static/a.txt')).text() === 'two!', 5000);
  });

  it('still checks a header a layer outside adds to a static response', async () => {
    const root = tempDir('tsgate-static-bad-header-');
    writeFileSync(join(root, 'a.txt'), 'one');
    const served = withStaticFiles(createApplication([]), { url: '/static/', find: (relative) => fileInside(root, relative), cache: true });
    const app: Application = (environ, startResponse) => served(environ, (status, headers, excInfo) => startResponse(status, [...headers, ['X-Bad', 'a\r\nb']], excInfo));
    await expect(new Client(app).get('/static/a.txt')).rejects.toThrow(/X-Bad has a value that .* holds control characters/);
  });

  it('serves a cached file without a stat inside the window, and never caches a miss', async () => {
    const { root, client } = cachedStatic(60_000);
    expect((await client.get('/static/a.txt')).text()).toBe('one');
    writeFileSync(join(root, 'a.txt'), 'two!');
    expect((await client.get('/static/a.txt')).text()).toBe('one');
    expect((await client.get('/static/b.txt')).status).toBe(404);
    writeFileSync(join(root, 'b.txt'), 'new');
    expect((await client.get('/static/b.txt')).text()).toBe('new');
  });
});
