import { beforeAll, describe, expect, it } from 'vitest';
import { configure, settings } from '../../src/runtime/conf/index.js';
import { createApplication, path, text, type Middleware } from '../../src/runtime/http/index.js';
import { Client } from '../../src/runtime/test/index.js';
import type { Application } from '../../src/runtime/tsgi/types.js';

let app: Application;

beforeAll(async () => {
  await configure('./test/fixtures/middleware/ssl-settings.ts');
  app = createApplication([path('<path:rest>', () => text('ok'))], { middleware: settings.MIDDLEWARE as Middleware[] });
});

describe('SECURE_SSL_REDIRECT', () => {
  it('redirects plain HTTP to the same URL over HTTPS, permanently', async () => {
    const response = await new Client(app, 'example.com').get('/a/b?x=1');
    expect(response.status).toBe(301);
    expect(response.header('location')).toBe('https://example.com/a/b?x=1');
  });

  it('re-encodes the decoded path, so a %0A cannot reach the Location header raw', async () => {
    const response = await new Client(app, 'example.com').get('/a%0Ab%3F/c%20d');
    expect(response.status).toBe(301);
    expect(response.header('location')).toBe('https://example.com/a%0Ab%3F/c%20d');
  });

  it('serves HTTPS requests', async () => {
    const response = await new Client(app, 'example.com').get('/a', { environ: { 'wsgi.url_scheme': 'https' } });
    expect(response.status).toBe(200);
  });
});
