/**
 * Static files are part of the application getWsgiApplication() returns,
 * as whitenoise wraps the WSGI app: the test client, the fetch adapter and
 * any TSGI server get /static/ without `serve` or `runserver` adding it.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resetForTests } from '../../src/runtime/conf/settings.js';
import { collectStatic, projectStaticUrl } from '../../src/runtime/staticfiles/index.js';
import { settings } from '../../src/runtime/conf/index.js';
import { Client } from '../../src/runtime/test/index.js';
import { toFetchHandler } from '../../src/runtime/tsgi/index.js';
import { getWsgiApplication } from '../../src/runtime/wsgi.js';
import { tempDir } from '../helpers/process.js';
import { serveProject, SITE_CSS as SERVED_CSS, type ServedProject } from '../http/served-project.js';
import { request } from '../server/helpers.js';
import { ensureBuilt } from '../management/built.js';

const PROJECT = fileURLToPath(new URL('../fixtures/staticfiles/project/', import.meta.url));
const SITE_CSS = readFileSync(join(PROJECT, 'static', 'css', 'site.css'), 'utf8');
const APP_JS = readFileSync(join(PROJECT, 'pages', 'static', 'pages', 'app.js'), 'utf8');
const roots: string[] = [];

function application(settingsModule: string) {
  resetForTests();
  vi.stubEnv('TSGATE_SETTINGS_MODULE', settingsModule);
  return getWsgiApplication({ root: PROJECT });
}

beforeEach(() => {
  vi.unstubAllEnvs();
});

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
  resetForTests();
});

describe('in DEBUG: the finders, as runserver served them', () => {
  it('serves STATICFILES_DIRS and each app’s static/ through the test client, ahead of the middleware', async () => {
    const client = new Client(application('site.settings_debug'));
    const css = await client.get('/static/css/site.css');
    expect([css.status, css.text()]).toEqual([200, SITE_CSS]);
    expect(css.header('content-type')).toBe('text/css; charset=utf-8');
    expect(css.header('cache-control')).toBe('no-cache');
    // Ahead of the middleware: no security headers, no cookies on a static file.
    expect(css.header('x-frame-options')).toBeUndefined();
    const js = await client.get('/static/pages/app.js');
    expect([js.status, js.text()]).toEqual([200, APP_JS]);
    expect((await client.get('/static/css/missing.css')).status).toBe(404);
    expect((await client.get('/static/../site/urls.ts')).status).toBe(404);
    // Everything else still goes through the middleware to the URL table.
    const home = await client.get('/');
    expect([home.status, home.text(), home.header('x-frame-options')]).toEqual([200, 'home', 'DENY']);
  });

  it('serves them through the fetch adapter, as any fetch-based host would run the project', async () => {
    const handler = toFetchHandler(await application('site.settings_debug'));
    const response = await handler(new Request('http://localhost/static/css/site.css'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(SITE_CSS);
    const head = await handler(new Request('http://localhost/static/pages/app.js', { method: 'HEAD' }));
    expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([200, String(Buffer.byteLength(APP_JS)), '']);
  });
});

describe('in production: STATIC_ROOT, as collectstatic left it', () => {
  it('serves the hashed names for ten years, immutable, with their compressed copies; not collectstatic’s cache', async () => {
    const root = tempDir('tsgate-app-static-');
    roots.push(root);
    await collectStatic({ sources: [{ prefix: '', dir: join(PROJECT, 'static') }, { prefix: '', dir: join(PROJECT, 'pages', 'static') }], root });
    vi.stubEnv('TSGATE_FIXTURE_STATIC_ROOT', root);
    const app = await application('site.settings_production');
    const url = projectStaticUrl(settings);
    if (typeof url !== 'function') throw new Error('expected the manifest’s hashed URLs');
    const client = new Client(app);
    const hashed = await client.get(url('css/site.css'));
    expect(url('css/site.css')).toMatch(/^\/static\/css\/site\.[0-9a-f]{12}\.css$/);
    expect([hashed.status, hashed.text()]).toEqual([200, SITE_CSS]);
    expect(hashed.header('cache-control')).toBe('public, max-age=315360000, immutable');
    const br = await client.get(url('css/site.css'), { headers: { 'Accept-Encoding': 'gzip, br' } });
    expect([br.header('content-encoding'), br.header('vary')]).toEqual(['br', 'Accept-Encoding']);
    const plainName = await client.get('/static/css/site.css');
    expect([plainName.status, plainName.header('cache-control')]).toEqual([200, 'public, max-age=60']);
    expect((await client.get('/static/.staticfiles-cache.json')).status).toBe(404);
    // Not a static path: the app, behind host validation as ever, which logs a JSON line (DEBUG is off), not plain text.
    let logged = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((logged += String(chunk)), true));
    expect((await new Client(app, 'evil.test').get('/')).status).toBe(400);
    vi.mocked(process.stderr.write).mockRestore();
    expect(JSON.parse(logged)).toMatchObject({ level: 'warning', message: expect.stringMatching(/^Invalid HTTP_HOST header: 'evil.test'/), path: '/' });
  });
});

describe('manage serve and runserver', () => {
  const projects: ServedProject[] = [];
  // A rebuild of the runtime, when a source changed, takes longer than a test may.
  beforeAll(ensureBuilt);
  afterAll(() => {
    for (const project of projects.splice(0)) project.stop();
  });

  it('serves /static/ because the application does (no STATIC_ROOT yet: the finders, as whitenoise’s USE_FINDERS)', async () => {
    const project = await serveProject();
    projects.push(project);
    const css = await request({ port: project.port, path: '/static/css/site.css', headers: { Host: 'localhost' } });
    expect([css.status, css.body, css.headers['cache-control']]).toEqual([200, SERVED_CSS, 'public, max-age=60']);
  });

  it('adds no static layer of its own: a TSGI app not built by getWsgiApplication gets /static/ requests itself', async () => {
    const project = await serveProject({ spec: 'site.plain:application' });
    projects.push(project);
    const reply = await request({ port: project.port, path: '/static/css/site.css' });
    expect([reply.status, reply.body]).toEqual([200, 'plain app: /static/css/site.css']);
  });

  it('runserver serves the finders’ files through the application, in DEBUG', async () => {
    const project = await serveProject({ runserver: true });
    projects.push(project);
    const css = await request({ port: project.port, path: '/static/css/site.css', headers: { Host: 'localhost' } });
    expect([css.status, css.body, css.headers['cache-control']]).toEqual([200, SERVED_CSS, 'no-cache']);
    await project.server.waitFor(/"GET \/static\/css\/site.css HTTP\/1.1" 200/);
  });
});
