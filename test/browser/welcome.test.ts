/**
 * The one browser test: a generated project, built and served
 * in production mode by `serve` with 2 workers, loaded in headless Chromium.
 * Its stylesheet applies; its form, submitted empty, comes back (400) with
 * the message beside the field; submitted with a name, it goes through with
 * the CSRF token round-trip a real browser does (hidden field + `csrftoken`
 * cookie) and greets by name; the same form posted without the cookie is
 * refused with a 403 page.
 *
 * Debian's `chromium` (/usr/bin/chromium) driven by playwright-core, never a
 * downloaded browser. Without it the test is skipped with a notice, unless
 * TSGATE_REQUIRE_BROWSER=1 (set by .ci/run), where it fails.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installedProject } from '../helpers/installed-project.js';
import { Spawned, freePort, runSync } from '../helpers/process.js';

const CHROMIUM = '/usr/bin/chromium';
const REQUIRED = process.env.TSGATE_REQUIRE_BROWSER === '1';
const MISSING = !existsSync(CHROMIUM);
const SKIP = MISSING && !REQUIRED;

/** The superuser the project is made with, who logs in through the login page. */
const ADA_PASSWORD = 'violet harbour tram 42';

/** Where the screenshot of the logged-in account page goes. */
export const ACCOUNT_SCREENSHOT = join(tmpdir(), 'tsgate-browser-account.png');

/** Where the screenshot of the greeted welcome page goes (the OS temp folder only). */
export const SCREENSHOT = join(tmpdir(), 'tsgate-browser-welcome.png');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

if (SKIP) {
  console.warn(`[browser] SKIPPED: ${CHROMIUM} not found. Install it with \`apt-get install -y chromium\`; set TSGATE_REQUIRE_BROWSER=1 to make its absence a failure.`);
}

/**
 * The few browser globals the page callbacks use. The project typechecks
 * without the DOM lib; these callbacks run in Chromium, where globalThis is
 * the window.
 */
interface InPage {
  document: {
    styleSheets: ArrayLike<{ href: string | null; cssRules: { length: number } }>;
    querySelector(selector: string): object | null;
  };
  getComputedStyle(element: object): Record<string, string>;
}

/** Computed style properties of the first element matching each selector, read in the page. */
function computedStyles(target: Page, wanted: Record<string, string[]>): Promise<Record<string, Record<string, string>>> {
  return target.evaluate((wanted) => {
    const { document, getComputedStyle } = globalThis as unknown as InPage;
    const styles: Record<string, Record<string, string>> = {};
    for (const [selector, properties] of Object.entries(wanted)) {
      const element = document.querySelector(selector);
      if (!element) throw new Error(`no ${selector} on the page`);
      const style = getComputedStyle(element);
      styles[selector] = Object.fromEntries(properties.map((property) => [property, style[property] ?? '']));
    }
    return styles;
  }, wanted);
}

let workDir = '';
let profileDir = '';
let base = '';
let server: Spawned | undefined;
let context: BrowserContext | undefined;
let page: Page;

/** Closes the browser, but never waits on it for long; kills the server's whole process group. */
async function tearDown(): Promise<void> {
  if (context) {
    const closing = context.close().catch(() => undefined);
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    context = undefined;
  }
  server?.killGroup();
  if (server) await Promise.race([server.exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  server = undefined;
  for (const dir of [profileDir, workDir]) if (dir) rmSync(dir, { recursive: true, force: true });
}

describe.skipIf(SKIP)(`the welcome page in headless Chromium${SKIP ? ` (skipped: no ${CHROMIUM})` : ''}`, () => {
  // The first file to ask for the installed project waits for its npm install: minutes on a busy machine.
  beforeAll(async () => {
    if (MISSING) throw new Error(`${CHROMIUM} is missing and TSGATE_REQUIRE_BROWSER=1: install Debian's chromium package (apt-get install -y chromium)`);

    // `create-tsgate-project site --no-git`, installed: a copy of the one the end-to-end files share.
    const project = await installedProject();
    workDir = dirname(project);
    const build = runSync('npm', ['run', 'build'], { cwd: project });
    expect(build.status, build.stdout + build.stderr).toBe(0);
    const migrate = runSync('npm', ['run', 'manage', '--', 'migrate'], { cwd: project });
    expect(migrate.status, migrate.stdout + migrate.stderr).toBe(0);
    const superuser = runSync('npm', ['run', 'manage', '--', 'createsuperuser', '--noinput'], {
      cwd: project,
      env: { ...process.env, TSGATE_SUPERUSER_EMAIL: 'ada@example.com', TSGATE_SUPERUSER_PASSWORD: ADA_PASSWORD },
    });
    expect(superuser.status, superuser.stdout + superuser.stderr).toBe(0);

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = new Spawned(process.execPath, ['dist/manage.js', 'serve', 'site.wsgi:application', '--workers', '2', '--bind', `127.0.0.1:${port}`], {
      cwd: project,
      env: {
        NODE_ENV: 'production',
        DEBUG: 'false',
        SECRET_KEY: randomBytes(48).toString('base64url'),
        ALLOWED_HOSTS: '127.0.0.1',
        // Plain HTTP with no TLS proxy in front: no redirect to https, cookies without Secure.
        SECURE_SSL_REDIRECT: 'false',
        SESSION_COOKIE_SECURE: 'false',
        CSRF_COOKIE_SECURE: 'false',
      },
    });
    await server.waitFor(/Booting worker with pid: \d+[\s\S]*Booting worker with pid: \d+/);

    profileDir = mkdtempSync(join(tmpdir(), 'tsgate-chromium-profile-'));
    // A persistent context is how Playwright takes a chosen --user-data-dir (a fresh one here).
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1024, height: 700 },
      timeout: 30_000,
    });
    context.setDefaultTimeout(15_000);
    page = context.pages()[0] ?? (await context.newPage());
  }, 900_000);

  afterAll(tearDown, 30_000);

  it('loads the welcome page with its stylesheet applied', async () => {
    const response = await page.goto(`${base}/`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    await expect(page.locator('h1').textContent()).resolves.toBe('site is running on tsgate');

    const sheetRules = await page.evaluate(() => {
      const { document } = globalThis as unknown as InPage;
      const sheet = Array.from(document.styleSheets).find((s) => s.href?.endsWith('/static/pages/site.css'));
      return sheet ? sheet.cssRules.length : -1;
    });
    expect(sheetRules).toBeGreaterThanOrEqual(3);
    // Every one of these differs from Chromium's defaults (body margin 8px, transparent backgrounds, Times…).
    expect(
      await computedStyles(page, {
        body: ['fontFamily', 'margin', 'backgroundColor', 'color'],
        '.welcome': ['backgroundColor', 'borderRadius', 'padding'],
      }),
    ).toEqual({
      body: { fontFamily: 'system-ui, sans-serif', margin: '0px', backgroundColor: 'rgb(246, 247, 249)', color: 'rgb(29, 39, 51)' },
      '.welcome': { backgroundColor: 'rgb(255, 255, 255)', borderRadius: '8px', padding: '32px' },
    });

    // The page handed the browser its CSRF cookie, and the same token in the form.
    const cookie = (await context!.cookies(base)).find((c) => c.name === 'csrftoken');
    expect(cookie?.value).toMatch(/^[\w-]{43}$/);
    expect(cookie?.sameSite).toBe('Lax');
    await expect(page.locator('input[name="csrfmiddlewaretoken"]').inputValue()).resolves.toBe(cookie?.value);
    await expect(page.locator('.greeting').count()).resolves.toBe(0);
  });

  it('submits the form empty and shows the message beside the field, with a 400', async () => {
    const posted = page.waitForResponse((r) => r.url() === `${base}/hello/` && r.request().method() === 'POST');
    await page.fill('input[name="name"]', '');
    await page.click('button[type="submit"]');
    const post = await posted;
    expect(post.status()).toBe(400);
    await page.waitForURL(`${base}/hello/`);

    const input = page.locator('input[name="name"]');
    const error = page.locator('#id_name_errors');
    await expect(error.textContent()).resolves.toBe('Please enter your name.');
    await expect(error.isVisible()).resolves.toBe(true);
    // Wired for assistive technology: the input is invalid and described by the message.
    await expect(input.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(input.getAttribute('aria-describedby')).resolves.toBe('id_name_errors');
    // Beside the field: in the same field box, just under the input, overlapping it horizontally.
    await expect(page.locator('.field', { has: input }).locator('#id_name_errors').count()).resolves.toBe(1);
    const [box, message] = [await input.boundingBox(), await error.boundingBox()];
    expect(box && message).toBeTruthy();
    expect(message!.y).toBeGreaterThanOrEqual(box!.y + box!.height - 1);
    expect(message!.y - (box!.y + box!.height)).toBeLessThan(40);
    expect(message!.x).toBeLessThan(box!.x + box!.width);
    await expect(page.locator('.greeting').count()).resolves.toBe(0);
  });

  it('submits the form with its CSRF token and greets by name after the redirect', async () => {
    const name = 'Ada <b>Lovelace</b>';
    const posted = page.waitForResponse((r) => r.url() === `${base}/hello/` && r.request().method() === 'POST');
    await page.fill('input[name="name"]', name);
    await page.click('button[type="submit"]');
    const post = await posted;
    expect(post.status()).toBe(302);
    expect(await post.headerValue('location')).toBe('/');

    const greeting = page.locator('.greeting');
    await greeting.waitFor();
    expect(page.url()).toBe(`${base}/`);
    // Escaped, not markup.
    await expect(greeting.textContent()).resolves.toBe(`Hello, ${name}!`);
    await expect(page.locator('.greeting b').count()).resolves.toBe(0);
    expect(await computedStyles(page, { '.greeting': ['color', 'fontWeight'] })).toEqual({ '.greeting': { color: 'rgb(0, 110, 60)', fontWeight: '600' } });
    // The first view, the page re-rendered with the error, and this one.
    await expect(page.locator('main.welcome').textContent()).resolves.toMatch(/you have seen it 3 times in this session/);
    await expect(page.locator('#id_name_errors').count()).resolves.toBe(0);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`[browser] screenshot: ${SCREENSHOT}`);
  });

  it('refuses the form with a 403 page once the csrftoken cookie is deleted', async () => {
    await context!.clearCookies({ name: 'csrftoken' });
    expect((await context!.cookies(base)).map((c) => c.name)).not.toContain('csrftoken');

    // The page still carries its token in the hidden field; only the cookie is gone.
    await expect(page.locator('input[name="csrfmiddlewaretoken"]').inputValue()).resolves.toMatch(/^[\w-]{43}$/);
    const posted = page.waitForResponse((r) => r.url() === `${base}/hello/` && r.request().method() === 'POST');
    await page.fill('input[name="name"]', 'Mallory');
    await page.click('button[type="submit"]');
    const post = await posted;
    expect(post.status()).toBe(403);
    await page.waitForURL(`${base}/hello/`);
    await expect(page.locator('body').textContent()).resolves.toContain('Forbidden (403): CSRF verification failed.');
    // One JSON line (DEBUG off): the path is a field of it, never spliced into the message.
    await server!.waitFor(/"message":"Forbidden \(CSRF\): CSRF cookie not set\."[^\n]*"path":"\/hello\/"/, 5_000);

    // Nothing was stored: back on the welcome page the greeting is still the earlier one.
    await page.goto(`${base}/`);
    await expect(page.locator('.greeting').textContent()).resolves.toBe('Hello, Ada <b>Lovelace</b>!');
  });

  it('logs in through the login page (tsgate/auth), shows the account page, and logs out', async () => {
    await page.goto(`${base}/account/`);
    await page.waitForURL(`${base}/accounts/login/?next=%2Faccount%2F`);
    await page.fill('input[name="email"]', 'ada@example.com');
    await page.fill('input[name="password"]', 'not the password');
    await page.click('button[type="submit"]');
    await expect(page.locator('.errorlist').first().textContent()).resolves.toContain('do not match an account');

    await page.fill('input[name="email"]', 'ada@example.com');
    await page.fill('input[name="password"]', ADA_PASSWORD);
    const posted = page.waitForResponse((r) => r.url().startsWith(`${base}/accounts/login/`) && r.request().method() === 'POST');
    await page.click('button[type="submit"]');
    expect((await posted).status()).toBe(302);
    await page.waitForURL(`${base}/account/`);
    await expect(page.locator('main').textContent()).resolves.toContain('You are logged in to site as ada@example.com (staff).');
    const session = (await context!.cookies(base)).find((c) => c.name === 'sessionid');
    expect(session?.httpOnly).toBe(true);
    await page.screenshot({ path: ACCOUNT_SCREENSHOT, fullPage: true });
    console.log(`[browser] screenshot: ${ACCOUNT_SCREENSHOT}`);

    await page.click('button:has-text("Log out")');
    await page.waitForURL(`${base}/`);
    await expect(page.locator('.account').textContent()).resolves.toContain('Log in');
    // The welcome page starts a new, anonymous session (its visit counter); the logged-in one is gone.
    const after = (await context!.cookies(base)).find((c) => c.name === 'sessionid');
    expect(after?.value).not.toBe(session?.value);
    await page.goto(`${base}/account/`);
    await page.waitForURL(`${base}/accounts/login/?next=%2Faccount%2F`);
  });
});
