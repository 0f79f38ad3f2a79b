/**
 * cachePage and the per-site cache middleware, through the test client with
 * the real session and CSRF middleware: a page is served from the cache
 * until it expires, one visitor's page (their session, their CSRF token)
 * never reaches another, and responses that set a cookie, are private,
 * vary on everything, fail or stream are never kept. A cache that is down
 * serves every page fresh.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cachePage, caches } from '../../src/runtime/cache/index.js';
import { configure, resetForTests, settings } from '../../src/runtime/conf/settings.js';
import { createApplication, HttpResponse, path, streaming, text, type Middleware, type Request } from '../../src/runtime/http/index.js';
import { logger } from '../../src/runtime/logging/index.js';
import { closeRedis } from '../../src/runtime/redis/index.js';
import { Client, type TestResponse } from '../../src/runtime/test/index.js';
import type { Application } from '../../src/runtime/tsgi/types.js';
import { REDIS_URL } from './stores.js';
import { SERVICES_REQUIRED } from '../db/services.js';
import { redisClient, whenReady } from '../../src/runtime/redis/index.js';

let renders = 0;
let app: Application;
let site: Application;

function counted(body: (request: Request) => string, headers: [string, string][] = []) {
  return (request: Request) => {
    renders += 1;
    return text(`${body(request)} #${renders}`, 200, headers);
  };
}

function sessionCookie(response: TestResponse): string {
  const header = response.headers.find(([key, value]) => key.toLowerCase() === 'set-cookie' && value.startsWith('sessionid='));
  if (!header) throw new Error('no session cookie');
  return header[1].split(';')[0] as string;
}

beforeAll(async () => {
  resetForTests();
  await configure('./test/fixtures/cache/settings.ts');
  const pages = { cache: 'pages' };
  const login = (request: Request) => {
    request.session?.set('name', request.query.get('name'));
    return text('signed in');
  };
  const views = [
    path('login/', login),
    path('plain/', cachePage(60, pages)(counted(() => 'plain'))),
    path('hello/', cachePage(60, pages)(counted((request) => `hello ${request.session?.get<string>('name') ?? 'nobody'}`))),
    path('form/', cachePage(60, pages)(counted((request) => `token ${request.csrfToken?.() ?? ''}`))),
    path('sets-cookie/', cachePage(60, pages)(counted(() => 'cookie', [['Set-Cookie', 'flavour=oat']]))),
    path('private/', cachePage(60, pages)(counted(() => 'private', [['Cache-Control', 'private']]))),
    path('vary-star/', cachePage(60, pages)(counted(() => 'star', [['Vary', '*']]))),
    path('no-age/', cachePage(60, pages)(counted(() => 'no age', [['Cache-Control', 'max-age=0']]))),
    path('language/', cachePage(60, pages)(counted((request) => `lang ${request.header('accept-language') ?? '-'}`, [['Vary', 'Accept-Language']]))),
    path('missing/', cachePage(60, pages)(() => (renders++, new HttpResponse('gone', 404)))),
    path('stream/', cachePage(60, pages)(() => (renders++, streaming([Buffer.from('chunk')], 'text/plain')))),
    path('post/', cachePage(60, pages)(counted(() => 'posted')), { methods: ['GET', 'POST'] }),
    path('redis/', cachePage(60, { cache: 'redis' })(counted((request) => `redis ${request.session?.get<string>('name') ?? 'nobody'}`))),
    path('down/', cachePage(60, { cache: 'down' })(counted(() => 'down'))),
  ];
  const middleware = settings.MIDDLEWARE.filter((item) => item.name !== 'cacheMiddleware') as Middleware[];
  app = createApplication(views, { middleware });
  site = createApplication(
    [path('login/', login), path('site/', counted((request) => `site ${request.session?.get<string>('name') ?? 'nobody'}`)), path('token/', counted((request) => `token ${request.csrfToken?.() ?? ''}`))],
    { middleware: settings.MIDDLEWARE as Middleware[] },
  );
});

afterAll(async () => {
  await caches.get('redis').clear().catch(() => undefined);
  await closeRedis();
  resetForTests();
});

async function twice(client: Client, target: string, options = {}): Promise<[TestResponse, TestResponse]> {
  return [await client.get(target, options), await client.get(target, options)];
}

describe('cachePage', () => {
  it('serves the second request from the cache, with the max-age it kept it for', async () => {
    const client = new Client(app);
    const [first, second] = await twice(client, '/plain/');
    expect(second.text()).toBe(first.text());
    expect(first.header('cache-control')).toBe('max-age=60');
    expect(second.header('cache-control')).toBe('max-age=60');
    // Another query string is another page.
    expect((await client.get('/plain/?page=2')).text()).not.toBe(first.text());
    // HEAD is answered from GET's page.
    expect((await client.head('/plain/')).status).toBe(200);
  });

  it("never gives one visitor's session page to another (two sessions, same URL)", async () => {
    const client = new Client(app);
    const alice = sessionCookie(await client.get('/login/?name=alice'));
    const bob = sessionCookie(await client.get('/login/?name=bob'));
    const [aliceFirst, aliceAgain] = await twice(client, '/hello/', { headers: { Cookie: alice } });
    const [bobFirst, bobAgain] = await twice(client, '/hello/', { headers: { Cookie: bob } });
    const nobody = await client.get('/hello/');
    expect(aliceFirst.text()).toMatch(/^hello alice #/);
    expect(aliceAgain.text()).toBe(aliceFirst.text());
    expect(bobFirst.text()).toMatch(/^hello bob #/);
    expect(bobAgain.text()).toBe(bobFirst.text());
    expect(nobody.text()).toMatch(/^hello nobody #/);
    expect(aliceFirst.header('vary')).toMatch(/Cookie/);
  });

  it("never gives one visitor's CSRF token to another", async () => {
    const client = new Client(app);
    const one = await client.get('/form/', { headers: { Cookie: 'csrftoken=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    const two = await client.get('/form/', { headers: { Cookie: 'csrftoken=BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' } });
    expect(one.text()).toMatch(/^token A+ #/);
    expect(two.text()).toMatch(/^token B+ #/);
    // A visitor without a token is given a new one in a cookie: that response is never kept.
    const fresh = await twice(client, '/form/');
    expect(fresh[0].text()).not.toBe(fresh[1].text());
  });

  it.each([
    ['sets-cookie/', 'sets a cookie'],
    ['private/', 'is Cache-Control: private'],
    ['vary-star/', 'is Vary: *'],
    ['no-age/', 'is max-age=0'],
    ['missing/', 'is a 404'],
    ['stream/', 'is streamed'],
  ])('never keeps a response that %s', async (target) => {
    const before = renders;
    await twice(new Client(app), `/${target}`);
    expect(renders - before).toBe(2);
  });

  it('keys by the headers the page varies on, and does not cache POST or requests with Authorization', async () => {
    const client = new Client(app);
    const [en, enAgain] = await twice(client, '/language/', { headers: { 'Accept-Language': 'en' } });
    const de = await client.get('/language/', { headers: { 'Accept-Language': 'de' } });
    expect(enAgain.text()).toBe(en.text());
    expect(de.text()).toMatch(/^lang de #/);
    const before = renders;
    await client.post('/post/', '', { headers: { Cookie: 'csrftoken=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'X-CSRFToken': 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', Origin: 'http://localhost' } });
    await client.post('/post/', '', { headers: { Cookie: 'csrftoken=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'X-CSRFToken': 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', Origin: 'http://localhost' } });
    await twice(client, '/plain/', { headers: { Authorization: 'Bearer x' } });
    expect(renders - before).toBe(4);
  });

  it('keeps sessions apart on Redis too', async ({ skip }) => {
    try {
      await whenReady(await redisClient(REDIS_URL), REDIS_URL, 5000);
    } catch (error) {
      if (SERVICES_REQUIRED) throw error;
      skip(String(error));
    }
    const client = new Client(app);
    const alice = sessionCookie(await client.get('/login/?name=alice'));
    const [first, again] = await twice(client, '/redis/', { headers: { Cookie: alice } });
    const nobody = await client.get('/redis/');
    expect(first.text()).toMatch(/^redis alice #/);
    expect(again.text()).toBe(first.text());
    expect(nobody.text()).toMatch(/^redis nobody #/);
  });

  it('serves every page fresh when its cache is down, warning once', async () => {
    const warnings: string[] = [];
    vi.spyOn(logger, 'warning').mockImplementation((message: string) => void warnings.push(message));
    try {
      const client = new Client(app);
      const [first, second] = await twice(client, '/down/');
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(second.text()).not.toBe(first.text());
      // (The Redis client says the server is unavailable too, once.)
      const cacheWarnings = warnings.filter((line) => line.includes("CACHES['down']"));
      expect(cacheWarnings).toHaveLength(1);
      expect(cacheWarnings[0]).toMatch(/^The cache CACHES\['down'\] \(redis:\/\/127\.0\.0\.1:9\/0\) is unavailable: .*treating a read as a miss/);
    } finally {
      vi.restoreAllMocks();
    }
  }, 30_000);
});

describe('the per-site cache middleware', () => {
  it('keeps anonymous pages, and one per session for pages that read it', async () => {
    const client = new Client(site);
    const [first, second] = await twice(client, '/site/');
    expect(second.text()).toBe(first.text());
    const alice = sessionCookie(await client.get('/login/?name=alice'));
    const [aliceFirst, aliceAgain] = await twice(client, '/site/', { headers: { Cookie: alice } });
    expect(aliceFirst.text()).toMatch(/^site alice #/);
    expect(aliceAgain.text()).toBe(aliceFirst.text());
    expect((await client.get('/site/')).text()).toMatch(/^site nobody #/);
  });

  it('never keeps a page that hands out a new CSRF cookie, and keys a token page by the cookie', async () => {
    const client = new Client(site);
    const fresh = await twice(client, '/token/');
    expect(fresh[0].text()).not.toBe(fresh[1].text());
    expect(fresh[0].header('set-cookie')).toMatch(/^csrftoken=/);
    const a = await twice(client, '/token/', { headers: { Cookie: 'csrftoken=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    const b = await client.get('/token/', { headers: { Cookie: 'csrftoken=BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' } });
    expect(a[1].text()).toBe(a[0].text());
    expect(b.text()).toMatch(/^token B+ #/);
  });
});
