/**
 * tsgate/auth end to end through a real `serve` (2 workers, production
 * settings) of a project on the built runtime, as a user runs it:
 * migrate → createsuperuser --noinput → login (wrong password: 400 and no
 * session; right: 302 and a new session key) → a loginRequired page →
 * logout → the old session cookie no longer works → password reset by the
 * link in the email a real SMTP server received → login with the new
 * password (the old one refused). Every log line of the server (access log,
 * request log, error log) is read for the reset and signup tokens: none may
 * hold one. The SMTP server holds each message at DATA until the test
 * releases it, so the tests see whether an answer waited for it.
 */
import { existsSync, readFileSync, watch } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newProject, runtimeModule, serveProject, servingFiles, useProjects, type TestProject } from '../db/project.js';
import { backend } from '../db/services.js';
import { AIOSMTPD, decodeQuotedPrintable, startSmtp, type Received, type SmtpServer } from '../helpers/smtp.js';
import type { ServerProcess } from '../server/helpers.js';

useProjects();

const REQUIRED = process.env.TSGATE_REQUIRE_SERVICES === '1';
if (!AIOSMTPD && REQUIRED) throw new Error('python3-aiosmtpd is missing (apt-get install python3-aiosmtpd): the reset email needs a real SMTP server');

const PASSWORD = 'violet harbour tram 42';

/** A cookie jar over fetch, as a browser keeps one. */
class Visitor {
  readonly cookies = new Map<string, string>();
  constructor(private readonly base: string) {}

  async request(path: string, form?: Record<string, string>): Promise<Response> {
    const headers: Record<string, string> = { Cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    let body: string | undefined;
    if (form) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams({ ...form, csrfmiddlewaretoken: this.cookies.get('csrftoken') ?? '' }).toString();
    }
    const response = await fetch(this.base + path, { method: form ? 'POST' : 'GET', headers, body, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      if (/Max-Age=0\b/.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(pair.indexOf('=') + 1));
    }
    return response;
  }
}

describe.skipIf(!AIOSMTPD)('tsgate/auth through serve', () => {
  let project: TestProject;
  let base = '';
  let smtp: SmtpServer;
  let server: ServerProcess;
  let stdout = '';

  /** The next message, released from the held DATA. */
  async function received(): Promise<Received> {
    await smtp.held();
    smtp.release();
    return smtp.next();
  }

  /** Resolves when the access log holds `text`: checked on each change of the file (the line is written when the response closes). */
  function accessLogged(text: string): Promise<void> {
    const file = project.path('access.log');
    return new Promise((resolve) => {
      const watcher = watch(file, () => check());
      const check = () => {
        if (!existsSync(file) || !readFileSync(file, 'utf8').includes(text)) return;
        watcher.close();
        resolve();
      };
      check();
    });
  }

  /** Everything the server logged: the access log file, stdout (the request log) and stderr (errors, warnings). */
  const logs = () => `${readFileSync(project.path('access.log'), 'utf8')}\n${stdout}\n${server.stderr}`;

  beforeAll(async () => {
    smtp = await startSmtp('plain', undefined, { hold: true });
    ({ project } = await newProject(backend('sqlite'), { apps: ['tsgate.auth'], files: {} }));
    const files = servingFiles(`import { authenticationMiddleware } from ${JSON.stringify(runtimeModule('auth/index.js'))};
import { csrfMiddleware, hostValidationMiddleware, requestLoggingMiddleware, securityMiddleware, sessionMiddleware } from ${JSON.stringify(runtimeModule('middleware/index.js'))};
export const MIDDLEWARE = [requestLoggingMiddleware, hostValidationMiddleware, securityMiddleware, sessionMiddleware, csrfMiddleware, authenticationMiddleware];
export const EMAIL_URL = 'smtp://127.0.0.1:${smtp.port}';
export const DEFAULT_FROM_EMAIL = 'site@example.com';
export const SECURE_SSL_REDIRECT = false;
export const AUTH_SIGNUP = true;
export const LOG_LEVEL = 'debug';
`);
    for (const [path, content] of Object.entries(files)) project.write(path, content);
    project.write(
      'urls.mjs',
      `import { authUrls, loginRequired } from ${JSON.stringify(runtimeModule('auth/index.js'))};
import { include, path, text } from ${JSON.stringify(runtimeModule('http/index.js'))};
export const urlpatterns = [
  path('accounts/', include(authUrls)),
  path('private/', loginRequired((request) => text('private page of ' + request.user.email))),
  path('', () => text('home')),
];
`,
    );
    const migrated = await project.manage(['migrate'], { TSGATE_SETTINGS_MODULE: 'settings_serve' });
    expect(migrated.status, migrated.output).toBe(0);
    const made = await project.manage(['createsuperuser', '--noinput'], { TSGATE_SETTINGS_MODULE: 'settings_serve', TSGATE_SUPERUSER_EMAIL: 'Admin@Example.com', TSGATE_SUPERUSER_PASSWORD: PASSWORD });
    expect(made.status, made.output).toBe(0);
    expect(made.stdout).toBe('Superuser Admin@example.com created.\n');
    const served = await serveProject(project, {}, ['--access-logfile', project.path('access.log')]);
    server = served.server;
    server.child.stdout?.setEncoding('utf8');
    server.child.stdout?.on('data', (text: string) => (stdout += text));
    base = `http://127.0.0.1:${served.port}`;
  }, 300_000);

  afterAll(() => smtp?.stop());

  it('logs in and out, revokes the session, and resets the password by email', async () => {
    const visitor = new Visitor(base);
    expect((await visitor.request('/private/')).headers.get('location')).toBe('/accounts/login/?next=%2Fprivate%2F');
    expect((await visitor.request('/accounts/login/?next=/private/')).status).toBe(200);
    expect(visitor.cookies.has('csrftoken')).toBe(true);

    const wrong = await visitor.request('/accounts/login/', { email: 'admin@example.com', password: 'not the password' });
    expect(wrong.status).toBe(400);
    expect(visitor.cookies.has('sessionid')).toBe(false);

    const right = await visitor.request('/accounts/login/', { email: 'admin@example.com', password: PASSWORD, next: '/private/' });
    expect(right.status).toBe(302);
    expect(right.headers.get('location')).toBe('/private/');
    const session = visitor.cookies.get('sessionid') ?? '';
    expect(session).toMatch(/^[\w-]{43}$/);
    const page = await visitor.request('/private/');
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('private page of Admin@example.com');

    expect((await visitor.request('/accounts/logout/', {})).status).toBe(302);
    const replay = await fetch(`${base}/private/`, { headers: { Cookie: `sessionid=${session}` }, redirect: 'manual' });
    expect(replay.status).toBe(302);

    const asked = await visitor.request('/accounts/password_reset/', { email: 'admin@example.com' });
    expect(asked.headers.get('location')).toBe('/accounts/password_reset/done/');
    const mail = await received();
    expect(mail.to).toEqual(['Admin@example.com']);
    expect(mail.data).toContain(`Subject: Password reset on 127.0.0.1:${base.split(':').at(-1)}`);
    const link = new URL(/http:\/\/\S+\/accounts\/reset\/\S+\//.exec(decodeQuotedPrintable(mail.data))?.[0] ?? 'http://x/none');
    expect(link.origin).toBe(base);
    const token = link.pathname.split('/').at(-2) ?? '';
    expect(token).toMatch(/^[0-9a-z]+-[\w-]{43}$/);
    // Lines the middleware writes before any view runs show the path too: a refused Host, a CSRF failure.
    const badHost = await new Promise<number>((resolve, reject) => {
      http.get(`${base}${link.pathname}`, { headers: { Host: 'evil.example' } }, (response) => resolve(response.resume().statusCode ?? 0)).on('error', reject);
    });
    expect(badHost).toBe(400);
    const noCsrf = await fetch(`${base}${link.pathname}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'new_password1=x' });
    expect(noCsrf.status).toBe(403);
    const opened = await visitor.request(link.pathname);
    expect(opened.status).toBe(302);
    const setPage = opened.headers.get('location') ?? '';
    expect(setPage).toMatch(/\/set-password\/$/);
    const set = await visitor.request(setPage, { new_password1: 'a brand new secret', new_password2: 'a brand new secret' });
    expect(set.headers.get('location')).toBe('/accounts/reset/done/');

    const fresh = new Visitor(base);
    await fresh.request('/accounts/login/');
    expect((await fresh.request('/accounts/login/', { email: 'admin@example.com', password: PASSWORD })).status).toBe(400);
    expect((await fresh.request('/accounts/login/', { email: 'admin@example.com', password: 'a brand new secret' })).status).toBe(302);
    expect((await fresh.request('/private/')).status).toBe(200);

    // The token is in no log line: the access log shows the link's path masked, and so does the request log.
    const uid = link.pathname.split('/').at(-3) ?? '';
    // A last request as a marker: once its line is in, so are those of the requests answered before it.
    await fetch(`${base}/?after-reset`);
    await accessLogged('GET /?after-reset ');
    expect(readFileSync(project.path('access.log'), 'utf8')).toContain(`"GET /accounts/reset/${uid}/********/ HTTP/1.1" 302`);
    expect(stdout).toContain(`GET /accounts/reset/${uid}/********/ 302`);
    expect(server.stderr).toContain(`"path":"/accounts/reset/${uid}/********/","status":400`);
    expect(server.stderr).toContain(`"path":"/accounts/reset/${uid}/********/","status":403`);
    expect(logs()).not.toContain(token);
    expect(logs()).not.toContain(token.split('-')[1]);
  });

  it('answers a reset request for a known email without waiting for the SMTP server, and the same as for an unknown one', async () => {
    const visitor = new Visitor(base);
    await visitor.request('/accounts/password_reset/');
    const events: string[] = [];
    const known = visitor.request('/accounts/password_reset/', { email: 'admin@example.com' }).then(async (response) => {
      events.push('answered');
      return { status: response.status, location: response.headers.get('location'), body: await response.text() };
    });
    await smtp.held();
    // The SMTP server holds the message; the answer must come without it. (Should the view wait for
    // SMTP, the message is let go after a while so the test fails on the order, not on its timeout.)
    const fallback = setTimeout(() => {
      events.push('released');
      smtp.release();
    }, 20_000);
    const answer = await known;
    clearTimeout(fallback);
    if (!events.includes('released')) {
      events.push('released');
      smtp.release();
    }
    expect(events).toEqual(['answered', 'released']);
    expect((await smtp.next()).to).toEqual(['Admin@example.com']);

    const unknown = await visitor.request('/accounts/password_reset/', { email: 'nobody@example.com' });
    expect({ status: unknown.status, location: unknown.headers.get('location'), body: await unknown.text() }).toEqual(answer);
    expect(answer.status).toBe(302);
  });

  it('signup answers the same for a new and a taken email; the owner of the taken one is told, the new one confirms by link', async () => {
    const newcomer = new Visitor(base);
    await newcomer.request('/accounts/signup/');
    const fresh = await newcomer.request('/accounts/signup/', { email: 'zoe@example.com' });
    const confirm = await received();
    const squatter = new Visitor(base);
    await squatter.request('/accounts/signup/');
    const taken = await squatter.request('/accounts/signup/', { email: 'ADMIN@example.com' });
    const notice = await received();
    const seen = async (response: Response) => ({ status: response.status, location: response.headers.get('location'), body: await response.text() });
    expect(await seen(taken)).toEqual(await seen(fresh));
    expect(fresh.status).toBe(302);
    expect(fresh.headers.get('location')).toBe('/accounts/signup/done/');

    expect(notice.to).toEqual(['Admin@example.com']);
    const noticeText = decodeQuotedPrintable(notice.data);
    expect(noticeText).toContain('which has an account already');
    expect(noticeText).toContain(`${base}/accounts/login/`);
    expect(noticeText).toContain(`${base}/accounts/password_reset/`);

    expect(confirm.to).toEqual(['zoe@example.com']);
    const link = new URL(/http:\/\/\S+\/accounts\/signup\/confirm\/\S+\//.exec(decodeQuotedPrintable(confirm.data))?.[0] ?? 'http://x/none');
    const [emailb64 = '', token = ''] = link.pathname.split('/').slice(-3, -1);
    // No account until the link is used.
    expect((await newcomer.request('/accounts/login/', { email: 'zoe@example.com', password: 'a meadow of clocks' })).status).toBe(400);
    const opened = await newcomer.request(link.pathname);
    expect(opened.status).toBe(302);
    const setPage = opened.headers.get('location') ?? '';
    expect(setPage).toBe(`/accounts/signup/confirm/${emailb64}/set-password/`);
    const made = await newcomer.request(setPage, { new_password1: 'a meadow of clocks', new_password2: 'a meadow of clocks' });
    expect(made.status).toBe(302);
    expect(await (await newcomer.request('/private/')).text()).toBe('private page of zoe@example.com');
    expect((await new Visitor(base).request(link.pathname)).status).toBe(400);

    // The link and the set-password page alike: both values masked.
    await fetch(`${base}/?after-signup`);
    await accessLogged('GET /?after-signup ');
    expect(readFileSync(project.path('access.log'), 'utf8')).toContain('"POST /accounts/signup/confirm/********/********/ HTTP/1.1" 302');
    expect(readFileSync(project.path('access.log'), 'utf8')).toContain('"GET /accounts/signup/confirm/********/********/ HTTP/1.1" 302');
    expect(logs()).not.toContain(token);
    expect(logs()).not.toContain(emailb64);
  });

  it('a reset email that cannot be sent is logged without its link, and the answer is the same', async () => {
    smtp.stop();
    const visitor = new Visitor(base);
    await visitor.request('/accounts/password_reset/');
    const asked = await visitor.request('/accounts/password_reset/', { email: 'zoe@example.com' });
    expect(asked.status).toBe(302);
    expect(asked.headers.get('location')).toBe('/accounts/password_reset/done/');
    await server.waitUntil('the failed send logged', () => server.stderr.includes('password reset: the email could not be sent'), 60_000);
    const line = server.stderr.split('\n').find((text) => text.includes('password reset: the email could not be sent')) ?? '';
    expect(line).not.toMatch(/accounts\/reset/);
  });
});
