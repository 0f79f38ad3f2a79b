/**
 * A `--database postgres` project as a new user takes it from the next-steps
 * box to production `serve`, through the real commands: `migrate` before the
 * database exists says to run createdb, `createdb` makes it from .env's URL,
 * `migrate` fills it; the built project served in production mode redirects
 * plain HTTP to https:// and says so once in its start log; and under
 * docker-compose.yml's environment it serves forms over plain HTTP — a real
 * browser on a non-loopback address keeps its cookies and posts the form —
 * while `check --deploy` still warns about it.
 *
 * PostgreSQL's driver is pure JavaScript, so the install builds nothing.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, dropDatabasesAfterAll, freshDatabase, unavailable, type TestDatabase } from '../db/services.js';
import { Spawned, freePort, runGenerator, runSync, tempDir } from '../helpers/process.js';

dropDatabasesAfterAll();

const CHROMIUM = '/usr/bin/chromium';
const SECRET_KEY = randomBytes(48).toString('base64url');

/** This machine's first address that is not a loopback one: what a browser elsewhere on the network would use. */
function lanAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * docker-compose.yml's environment for `service`, interpolated as Compose
 * does it (`${VAR}`, `${VAR:-default}`, `${VAR:?error}`) from `shell`.
 */
function composeEnvironment(project: string, service: string, shell: Record<string, string>): Record<string, string> {
  const compose = parse(readFileSync(join(project, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { environment: Record<string, string> }> };
  const environment = compose.services[service]?.environment ?? {};
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [
      name,
      String(value).replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, variable: string, kind?: string, word?: string) => {
        const set = shell[variable];
        if (set) return set;
        if (kind === '?') throw new Error(`docker-compose.yml: ${variable} must be set (${word})`);
        return kind === '-' ? (word ?? '') : '';
      }),
    ]),
  );
}

const postgres = backend('postgres');

describe('a --database postgres project, from the next steps to production serve', () => {
  if (unavailable(postgres)) return;

  let cwd = '';
  let project = '';
  let database: TestDatabase;
  /** DATABASE_URL as .env has it: the local server as it comes installed. */
  let url = '';
  const servers: Spawned[] = [];

  const npm = (args: string[], env: Record<string, string> = {}) => runSync('npm', args, { cwd: project, env: { ...env, NODE_ENV: '' } });

  beforeAll(async () => {
    cwd = tempDir('tsgate-pg-e2e-');
    // A random database name, dropped afterwards, is the project's name too: .env's URL names it.
    database = await freshDatabase(postgres, cwd, { create: false });
    const created = runGenerator([database.name, '--database', 'postgres', '--no-git'], cwd);
    expect(created.status, created.stdout + created.stderr).toBe(0);
    project = join(cwd, database.name);
    url = /^DATABASE_URL=(.*)$/m.exec(readFileSync(join(project, '.env'), 'utf8'))?.[1] ?? '';
    expect(url).toBe(`postgres://postgres@127.0.0.1:5432/${database.name}`);
  }, 600_000);

  afterAll(() => {
    for (const server of servers) server.killGroup();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  /** The project's commands as a user runs them, on .env's URL — unless the tests are pointed at another server. */
  const local = (): Record<string, string> => (database.url === url ? {} : { DATABASE_URL: database.url });

  it('migrate before the database exists: one line saying to run createdb', () => {
    const result = npm(['run', 'manage', '--', 'migrate'], local());
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(`^DatabaseError: Cannot use DATABASES\\['default'\\] \\(postgres://postgres@[^/]+/${database.name}\\): database "${database.name}" does not exist — create it with: npm run manage -- createdb$`, 'm'),
    );
    expect(result.stderr).not.toMatch(/^\s+at /m);
  }, 120_000);

  it('createdb makes the database .env names, once; then migrate makes the tables', async () => {
    const created = npm(['run', '--silent', 'manage', '--', 'createdb'], local());
    expect(created.status, created.stdout + created.stderr).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`^Created the database '${database.name}' on postgres://postgres@[^ ]+\\.\\n$`));
    const again = npm(['run', '--silent', 'manage', '--', 'createdb'], local());
    expect(again.stdout).toMatch(/^Nothing to do: the database .* exists already\.\n$/);
    const migrate = npm(['run', 'manage', '--', 'migrate'], local());
    expect(migrate.status, migrate.stdout + migrate.stderr).toBe(0);
    expect(migrate.stdout).toContain('Applying pages.0001_initial... OK');
    expect(await database.tables()).toContain('pages_visit');
  }, 180_000);

  it('built and served in production mode over plain HTTP: the start log says, once, that it redirects to https://; every request gets a 301', async () => {
    const build = npm(['run', 'build']);
    expect(build.status, build.stdout + build.stderr).toBe(0);
    const port = await freePort();
    const server = new Spawned(process.execPath, ['dist/manage.js', 'serve', '--bind', `127.0.0.1:${port}`, '--workers', '1'], {
      cwd: project,
      // Production reads no .env: the settings come from the environment.
      env: { NODE_ENV: 'production', SECRET_KEY, ALLOWED_HOSTS: '127.0.0.1', DATABASE_URL: database.url },
    });
    servers.push(server);
    await server.waitFor(/Booting worker with pid: \d+/);
    const notice = 'SECURE_SSL_REDIRECT is on: redirecting http:// to https://; behind a TLS proxy pass --forwarded-allow-ips (trusted now: 127.0.0.1,::1); for plain HTTP set SECURE_SSL_REDIRECT=false';
    expect(server.output.split(notice)).toHaveLength(2);
    for (const path of ['/', '/hello/']) {
      const reply = await send(`http://127.0.0.1:${port}${path}`);
      expect(reply.status, path).toBe(301);
      expect(reply.headers.location).toBe(`https://127.0.0.1:${port}${path}`);
    }
    server.killGroup('SIGTERM');
    await server.exited;
  }, 180_000);

  it("docker-compose.yml's environment: plain HTTP with no redirect and cookies a browser sends back, the form posts from another address; check --deploy still warns", async () => {
    const address = lanAddress() ?? '127.0.0.1';
    const shell = { SECRET_KEY, ALLOWED_HOSTS: address };
    const compose = composeEnvironment(project, 'web', shell);
    // The compose file's database is its `db` service; here the local server stands in for it.
    expect(compose.DATABASE_URL).toMatch(new RegExp(`^postgres://${database.name}:[^@]+@db:5432/${database.name}$`));
    const env = { ...compose, DATABASE_URL: database.url };

    const port = await freePort();
    const server = new Spawned(process.execPath, ['dist/manage.js', 'serve', '--bind', `${address}:${port}`, '--workers', '1'], { cwd: project, env });
    servers.push(server);
    await server.waitFor(/Booting worker with pid: \d+/);
    expect(server.output).not.toContain('redirecting http:// to https://');
    const base = `http://${address}:${port}`;

    // As a browser keeps cookies for http://: none of them Secure.
    const page = await send(`${base}/`);
    expect(page.status, page.body).toBe(200);
    const setCookies = [page.headers['set-cookie'] ?? []].flat();
    expect(setCookies.map((cookie) => cookie.split('=')[0])).toEqual(expect.arrayContaining(['csrftoken']));
    for (const cookie of setCookies) expect(cookie).not.toMatch(/;\s*secure/i);

    // The icon browsers ask for by themselves is found (no 404 in the log).
    const favicon = await send(`${base}/favicon.ico`);
    expect(favicon.status).toBe(301);
    const icon = await send(`${base}${String(favicon.headers.location)}`);
    expect(icon.status).toBe(200);
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);

    if (existsSync(CHROMIUM) && address !== '127.0.0.1') {
      // A real browser on an address that is not localhost: Secure cookies would be dropped, and the form refused.
      const profile = mkdtempSync(join(tmpdir(), 'tsgate-chromium-profile-'));
      const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'], timeout: 30_000 });
      try {
        context.setDefaultTimeout(15_000);
        const tab = context.pages()[0] ?? (await context.newPage());
        await tab.goto(`${base}/`);
        // The welcome page's button is styled, not the browser's grey default.
        const button = await tab.locator('button[type="submit"]').evaluate((element) => {
          const style = (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(element);
          return { background: style.backgroundColor, color: style.color };
        });
        expect(button).toEqual({ background: 'rgb(31, 79, 209)', color: 'rgb(255, 255, 255)' });
        const posted = tab.waitForResponse((r) => r.url() === `${base}/hello/` && r.request().method() === 'POST');
        await tab.fill('input[name="name"]', 'Grace');
        await tab.click('button[type="submit"]');
        expect((await posted).status()).toBe(302);
        await expect(tab.locator('.greeting').textContent()).resolves.toBe('Hello, Grace!');
      } finally {
        await Promise.race([context.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 10_000))]);
        rmSync(profile, { recursive: true, force: true });
      }
    } else {
      console.warn(`[postgres-e2e] the form was posted without a browser: ${existsSync(CHROMIUM) ? 'this machine has no address but loopback' : `no ${CHROMIUM}`}`);
      const cookies = setCookies.map((cookie) => cookie.split(';')[0]).join('; ');
      const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      const post = await send(`${base}/hello/`, {
        method: 'POST',
        headers: { cookie: cookies, origin: base, 'content-type': 'application/x-www-form-urlencoded' },
        body: `csrfmiddlewaretoken=${encodeURIComponent(token)}&name=Grace`,
      });
      expect(post.status, post.body).toBe(302);
    }
    server.killGroup('SIGTERM');
    await server.exited;

    const check = runSync(process.execPath, ['dist/manage.js', 'check', '--deploy'], { cwd: project, env });
    const said = check.stdout + check.stderr;
    for (const id of ['security.W008', 'security.W012', 'security.W016']) expect(said, said).toContain(id);
  }, 180_000);
});
