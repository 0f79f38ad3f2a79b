import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApplication, maskSettings, path, text, type Middleware } from '../../src/runtime/http/index.js';
import { logger } from '../../src/runtime/logging/index.js';
import { Client } from '../../src/runtime/test/index.js';

const SECRET = 'super-secret-value-that-must-not-leak';
const settings = () => ({ DEBUG: true, SECRET_KEY: SECRET, API_TOKEN: SECRET, DATABASE_URL: `postgres://app:${SECRET}@db/app`, ALLOWED_HOSTS: ['x'] });
const boom = path('boom/', () => {
  throw new TypeError('the view broke');
});
const tag: Middleware = (next) => async (request) => {
  const response = await next(request);
  response.headers.push(['X-Seen-By', 'middleware']);
  return response;
};

function captureStderr(): { text: () => string } {
  let written = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written += String(chunk);
    return true;
  });
  return { text: () => written };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('errors in production', () => {
  it('answer a plain 500 with a request id, logged once as JSON with the stack, nothing secret', async () => {
    logger.configure({ level: 'info', json: true });
    const stderr = captureStderr();
    const app = createApplication([boom], { middleware: [tag], errors: { debug: false, settings } });
    const response = await new Client(app).get('/boom/', { headers: { 'X-Request-ID': 'req-123' } });
    expect(response.status).toBe(500);
    expect(response.text()).toBe('Server Error (500)\nRequest id: req-123\n');
    expect(response.header('x-seen-by')).toBe('middleware');
    const lines = stderr.text().trim().split('\n');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string) as Record<string, string>;
    expect(entry).toMatchObject({ level: 'error', request_id: 'req-123', path: '/boom/', error: 'TypeError: the view broke' });
    expect(entry.stack).toContain('errors.test.ts');
    expect(stderr.text() + response.text()).not.toContain(SECRET);
  });

  it('use the project 500 page when there is one, and the plain one if it fails', async () => {
    logger.configure({ level: 'critical', json: true });
    const custom = createApplication([boom], { errors: { debug: false, settings, render500: () => '<h1>Sorry</h1>' } });
    expect((await new Client(custom).get('/boom/')).text()).toBe('<h1>Sorry</h1>');
    const broken = createApplication([boom], {
      errors: {
        debug: false,
        settings,
        render500: () => {
          throw new Error('template missing');
        },
      },
    });
    expect((await new Client(broken).get('/boom/')).text()).toMatch(/^Server Error \(500\)/);
  });
});

describe('errors in DEBUG', () => {
  it('show the developer page with the stack, the request and masked settings', async () => {
    logger.configure({ level: 'critical', json: false });
    const app = createApplication([boom, path('ok/', () => text('ok'))], { errors: { debug: true, settings } });
    const response = await new Client(app).get('/boom/?q=1');
    expect(response.status).toBe(500);
    const page = response.text();
    expect(page).toContain('TypeError at /boom/');
    expect(page).toContain('the view broke');
    expect(page).toContain('errors.test.ts');
    expect(page).toContain('SECRET_KEY');
    expect(page).not.toContain(SECRET);
    expect(page).toContain('postgres://app:********************@db/app');
  });
});

describe('maskSettings', () => {
  it('masks at any depth: DATABASES.default.URL and nested secret keys', () => {
    expect(maskSettings({ DATABASES: { default: { URL: 'postgres://u:hunter2@db/x', OPTIONS: { PASSWORD: 'p' } } }, LIST: ['redis://:pw@h/0'] })).toEqual({
      DATABASES: { default: { URL: 'postgres://u:********************@db/x', OPTIONS: { PASSWORD: '********************' } } },
      LIST: ['redis://:********************@h/0'],
    });
  });

  it('masks secret-looking names and passwords in URLs only', () => {
    expect(maskSettings({ SECRET_KEY: 'x', MY_PASSWORD: 'y', DEBUG: true, URL: 'mysql://u:p@h/d', PLAIN: 'mysql://h/d' })).toEqual({
      SECRET_KEY: '********************',
      MY_PASSWORD: '********************',
      DEBUG: true,
      URL: 'mysql://u:********************@h/d',
      PLAIN: 'mysql://h/d',
    });
  });

  it('masks a password with an unencoded @ whole: the driver reads up to the last @', () => {
    expect(maskSettings({ URL: 'postgres://app:p@ss@db/x' })).toEqual({ URL: 'postgres://app:********************@db/x' });
  });
});
