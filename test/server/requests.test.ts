/**
 * Odd but well-formed requests through a real `serve`: the request-target
 * forms of RFC 9112 §3.2, an empty Host under ALLOWED_HOSTS, static file
 * URLs that are not a file's own path, and collectstatic's manifest.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killAll, parseRaw, rawExchange, startServer } from './helpers.js';

beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => killAll());

/** The status line of the answer to a raw request. */
async function status(port: number, head: string): Promise<string> {
  return parseRaw(await rawExchange(port, `${head}\r\n`)).statusLine;
}

describe('request targets', () => {
  it('* is for OPTIONS only: GET * is a 400 that never reaches the app', async () => {
    const port = await freePort();
    await startServer({ app: 'hello', binds: [`127.0.0.1:${port}`], workers: 1 });
    const refused = parseRaw(await rawExchange(port, 'GET * HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    expect(refused.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(refused.body.toString()).toBe('the request target * is for OPTIONS only\n');
    expect(await status(port, 'HEAD * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n')).toBe('HTTP/1.1 400 Bad Request');
    // OPTIONS * is the server-wide OPTIONS request; the app answers it.
    const options = parseRaw(await rawExchange(port, 'OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
    expect(options.statusLine).toBe('HTTP/1.1 200 OK');
    expect(options.body.toString()).toMatch(/^hello from \d+ \*\n$/);
  });

  it('a target that is neither a path nor an absolute URL is a 400; both of those reach the app', async () => {
    const port = await freePort();
    await startServer({ app: 'hello', binds: [`127.0.0.1:${port}`], workers: 1 });
    expect(await status(port, 'GET example.com HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n')).toBe('HTTP/1.1 400 Bad Request');
    const absolute = parseRaw(await rawExchange(port, 'GET http://localhost/a/b?q=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
    expect(absolute.body.toString()).toMatch(/^hello from \d+ \/a\/b\n$/);
    expect(await status(port, 'GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n')).toBe('HTTP/1.1 200 OK');
  });
});

describe('a project application (host validation, collected static files)', () => {
  let staticRoot: string;

  beforeAll(() => {
    staticRoot = mkdtempSync(join(tmpdir(), 'tsgate-requests-'));
    mkdirSync(join(staticRoot, 'pages'));
    writeFileSync(join(staticRoot, 'pages', 'site.css'), 'body { color: black }\n');
    writeFileSync(join(staticRoot, 'staticfiles.json'), JSON.stringify({ version: '1.1', paths: { 'pages/site.css': 'pages/site.css' } }));
    writeFileSync(join(staticRoot, '.staticfiles-cache.json'), '{}');
  });
  afterAll(() => rmSync(staticRoot, { recursive: true, force: true }));

  async function startProject(): Promise<number> {
    const port = await freePort();
    await startServer({ app: 'project', binds: [`127.0.0.1:${port}`], workers: 1, env: { FIXTURE_STATIC_ROOT: staticRoot } });
    return port;
  }

  it('an empty Host header is a 400 with ALLOWED_HOSTS set; no Host at all (HTTP/1.0) falls back to the server name', async () => {
    const port = await startProject();
    expect(await status(port, 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n')).toBe('HTTP/1.1 200 OK');
    expect(await status(port, 'GET / HTTP/1.1\r\nHost:\r\nConnection: close\r\n')).toBe('HTTP/1.1 400 Bad Request');
    expect(await status(port, 'GET / HTTP/1.0\r\nHost: \r\n')).toBe('HTTP/1.1 400 Bad Request');
    expect(await status(port, 'GET / HTTP/1.1\r\nHost: evil.test\r\nConnection: close\r\n')).toBe('HTTP/1.1 400 Bad Request');
    // SERVER_NAME is the address the server listens on, 127.0.0.1, which is allowed.
    expect(await status(port, 'GET / HTTP/1.0\r\n')).toBe('HTTP/1.1 200 OK');
  });

  it("a static file is served at its own path only: a trailing slash or an empty segment is a 404", async () => {
    const port = await startProject();
    const css = parseRaw(await rawExchange(port, 'GET /static/pages/site.css HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
    expect(css.statusLine).toBe('HTTP/1.1 200 OK');
    expect(css.body.toString()).toBe('body { color: black }\n');
    for (const path of ['/static/pages/site.css/', '/static/pages//site.css', '/static//pages/site.css', '/static/pages/']) {
      expect(await status(port, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n`), path).toBe('HTTP/1.1 404 Not Found');
    }
  });

  it("collectstatic's manifest and cache are not served", async () => {
    const port = await startProject();
    expect(await status(port, 'GET /static/staticfiles.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n')).toBe('HTTP/1.1 404 Not Found');
    expect(await status(port, 'GET /static/.staticfiles-cache.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n')).toBe('HTTP/1.1 404 Not Found');
  });
});
