/**
 * tsgate/auth end to end through a real `serve` (2 workers, production
 * settings) of a project on the built runtime, as a user runs it:
 * migrate → createsuperuser --noinput → login (wrong password: 400 and no
 * session; right: 302 and a new session key) → a loginRequired page →
 * logout → the old session cookie no longer works → password reset by the
 * link in the email a real SMTP server received → login with the new
 * password (the old one refused).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newProject, runtimeModule, serveProject, servingFiles, useProjects, type TestProject } from '../db/project.js';
import { backend } from '../db/services.js';
import { AIOSMTPD, decodeQuotedPrintable, startSmtp, type SmtpServer } from '../helpers/smtp.js';

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

  beforeAll(async () => {
    smtp = await startSmtp();
    ({ project } = await newProject(backend('sqlite'), { apps: ['tsgate.auth'], files: {} }));
    const files = servingFiles(`import { authenticationMiddleware } from ${JSON.stringify(runtimeModule('auth/index.js'))};
import { csrfMiddleware, hostValidationMiddleware, securityMiddleware, sessionMiddleware } from ${JSON.stringify(runtimeModule('middleware/index.js'))};
export const MIDDLEWARE = [hostValidationMiddleware, securityMiddleware, sessionMiddleware, csrfMiddleware, authenticationMiddleware];
export const EMAIL_URL = 'smtp://127.0.0.1:${smtp.port}';
export const DEFAULT_FROM_EMAIL = 'site@example.com';
export const SECURE_SSL_REDIRECT = false;
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
    const { port } = await serveProject(project);
    base = `http://127.0.0.1:${port}`;
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
    const mail = await smtp.next();
    expect(mail.to).toEqual(['Admin@example.com']);
    expect(mail.data).toContain(`Subject: Password reset on 127.0.0.1:${base.split(':').at(-1)}`);
    const link = new URL(/http:\/\/\S+\/accounts\/reset\/\S+\//.exec(decodeQuotedPrintable(mail.data))?.[0] ?? 'http://x/none');
    expect(link.origin).toBe(base);
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
  });
});
