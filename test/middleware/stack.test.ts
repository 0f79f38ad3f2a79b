/** The default middleware stack, on a real settings module, through the test client. */
import { beforeAll, describe, expect, it } from 'vitest';
import { configure, settings } from '../../src/runtime/conf/index.js';
import { createApplication, patchVaryHeaders, path, text, type Middleware } from '../../src/runtime/http/index.js';
import { Client, type TestResponse } from '../../src/runtime/test/index.js';
import type { Application } from '../../src/runtime/tsgi/types.js';

let app: Application;

function cookie(response: TestResponse, name: string): string | undefined {
  for (const [key, value] of response.headers) {
    if (key.toLowerCase() === 'set-cookie' && value.startsWith(`${name}=`)) return value.slice(name.length + 1).split(';')[0];
  }
  return undefined;
}

beforeAll(async () => {
  await configure('./test/fixtures/middleware/settings.ts');
  app = createApplication(
    [
      path('count/', (request) => {
        const count = (request.session?.get<number>('count') ?? 0) + 1;
        request.session?.set('count', count);
        return text(String(count));
      }),
      path('form/', (request) => text(request.csrfToken?.() ?? 'none')),
      // A page that both starts a session and hands out a CSRF token, with its own Vary.
      path('both/', (request) => {
        request.session?.set('seen', true);
        return text(request.csrfToken?.() ?? 'none', 200, [['Vary', 'Accept-Encoding']]);
      }),
      path('submit/', async (request) => text(`ok ${(await request.form()).get('title')}`), { methods: ['POST'] }),
    ],
    { middleware: settings.MIDDLEWARE as Middleware[] },
  );
});

describe('host validation', () => {
  it('refuses a Host outside ALLOWED_HOSTS with 400 and serves allowed ones', async () => {
    expect((await new Client(app, 'evil.test').get('/form/')).status).toBe(400);
    expect((await new Client(app, 'www.example.com').get('/form/')).status).toBe(200);
    expect((await new Client(app, 'localhost:8000').get('/form/')).status).toBe(200);
  });
});

describe('security headers', () => {
  it('sends nosniff, Referrer-Policy, COOP and X-Frame-Options, and HSTS only over HTTPS', async () => {
    const plain = await new Client(app).get('/form/');
    expect(plain.header('x-content-type-options')).toBe('nosniff');
    expect(plain.header('referrer-policy')).toBe('same-origin');
    expect(plain.header('cross-origin-opener-policy')).toBe('same-origin');
    expect(plain.header('x-frame-options')).toBe('DENY');
    expect(plain.header('strict-transport-security')).toBeUndefined();
    const secure = await new Client(app).get('/form/', { environ: { 'wsgi.url_scheme': 'https' } });
    expect(secure.header('strict-transport-security')).toBe('max-age=3600');
  });
});

describe('signed-cookie sessions', () => {
  it('keeps data across requests in a signed, HttpOnly cookie', async () => {
    const client = new Client(app);
    const first = await client.get('/count/');
    expect(first.text()).toBe('1');
    const session = cookie(first, 'sessionid');
    expect(session).toBeDefined();
    expect(first.headers.find(([key, value]) => key === 'Set-Cookie' && value.startsWith('sessionid='))?.[1]).toMatch(/HttpOnly; SameSite=Lax/);
    const second = await client.get('/count/', { headers: { Cookie: `sessionid=${session}` } });
    expect(second.text()).toBe('2');
  });

  it('starts afresh when the cookie was tampered with', async () => {
    const client = new Client(app);
    const session = decodeURIComponent(cookie(await client.get('/count/'), 'sessionid') ?? '');
    const [payload = '', stamp, signature] = session.split('.');
    const forged = Buffer.from(JSON.stringify({ count: 41 })).toString('base64url');
    expect(forged).not.toBe(payload);
    const response = await client.get('/count/', { headers: { Cookie: `sessionid=${forged}.${stamp}.${signature}` } });
    expect(response.text()).toBe('1');
  });
});

describe('CSRF protection', () => {
  const client = {
    get: (target: string) => new Client(app).get(target),
    post: (...args: Parameters<Client['post']>) => new Client(app).post(...args),
  };
  const form = (body: string, headers: Record<string, string> = {}) =>
    client.post('/submit/', body, { headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers } });

  it('hands out a token with its cookie, and accepts a form that sends it back', async () => {
    const page = await client.get('/form/');
    const token = page.text();
    expect(cookie(page, 'csrftoken')).toBe(token);
    const ok = await form(`title=hi&csrfmiddlewaretoken=${token}`, { Cookie: `csrftoken=${token}` });
    expect(ok.status).toBe(200);
    expect(ok.text()).toBe('ok hi');
    const viaHeader = await form('title=x', { Cookie: `csrftoken=${token}`, 'X-CSRFToken': token });
    expect(viaHeader.status).toBe(200);
  });

  it('refuses unsafe requests without the cookie, without the token, or with a wrong one', async () => {
    const token = 'a'.repeat(43);
    expect((await form('title=x')).status).toBe(403);
    expect((await form('title=x', { Cookie: `csrftoken=${token}` })).status).toBe(403);
    expect((await form(`csrfmiddlewaretoken=${'b'.repeat(43)}`, { Cookie: `csrftoken=${token}` })).status).toBe(403);
  });

  it('checks Origin against the host and CSRF_TRUSTED_ORIGINS (with wildcards)', async () => {
    const token = 'c'.repeat(43);
    const headers = { Cookie: `csrftoken=${token}`, 'X-CSRFToken': token };
    expect((await form('', { ...headers, Origin: 'http://attacker.test' })).status).toBe(403);
    expect((await form('', { ...headers, Origin: 'http://localhost' })).status).toBe(200);
    expect((await form('', { ...headers, Origin: 'https://app.trusted.example' })).status).toBe(200);
  });

  it('requires a same-site Referer over HTTPS when there is no Origin', async () => {
    const token = 'd'.repeat(43);
    const headers = { Cookie: `csrftoken=${token}`, 'X-CSRFToken': token };
    const https = { environ: { 'wsgi.url_scheme': 'https' as const } };
    const post = (extra: Record<string, string>) =>
      client.post('/submit/', '', { ...https, headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers, ...extra } });
    expect((await post({})).status).toBe(403);
    expect((await post({ Referer: 'https://evil.test/page' })).status).toBe(403);
    expect((await post({ Referer: 'https://localhost/page' })).status).toBe(200);
  });
});

describe('Vary', () => {
  it('names Cookie once when both the session and the CSRF middleware vary on it, merged with the view’s own Vary', async () => {
    const response = await new Client(app).get('/both/');
    expect(cookie(response, 'sessionid')).toBeDefined();
    expect(cookie(response, 'csrftoken')).toBe(response.text());
    expect(response.headers.filter(([name]) => name.toLowerCase() === 'vary')).toEqual([['Vary', 'Accept-Encoding, Cookie']]);
  });

  it('patchVaryHeaders merges case-insensitively, keeps the first spelling, and lets * stand alone', () => {
    const vary = (headers: [string, string][], names: string[]) => {
      const response = text('', 200, headers);
      patchVaryHeaders(response, names);
      return response.headers.filter(([name]) => name.toLowerCase() === 'vary');
    };
    expect(vary([], ['Cookie'])).toEqual([['Vary', 'Cookie']]);
    expect(vary([['vary', 'cookie, Accept-Language'], ['Vary', 'Origin']], ['Cookie', 'Accept-Language'])).toEqual([['Vary', 'cookie, Accept-Language, Origin']]);
    expect(vary([['Vary', '*']], ['Cookie'])).toEqual([['Vary', '*']]);
  });
});

describe('with MIDDLEWARE empty', () => {
  it('adds no headers, checks no host and no CSRF token, and keeps no session', async () => {
    const bare = createApplication([
      path('submit/', async (request) => text(`ok ${(await request.form()).get('title')} ${request.session === undefined}`), { methods: ['POST'] }),
    ]);
    const response = await new Client(bare, 'evil.test').post('/submit/', 'title=hi', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(response.status).toBe(200);
    expect(response.text()).toBe('ok hi true');
    expect(response.header('x-frame-options')).toBeUndefined();
    expect(response.header('x-content-type-options')).toBeUndefined();
    expect(response.header('set-cookie')).toBeUndefined();
  });
});
