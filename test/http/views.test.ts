/**
 * Views as Django users write them: URL values as the second argument,
 * typed from the route; Http404, PermissionDenied and getObjectOr404; and
 * the DEBUG 404 page listing the patterns tried.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createApplication,
  Http404,
  include,
  path,
  PermissionDenied,
  text,
  type Middleware,
  type Request,
  type RouteParams,
} from '../../src/runtime/http/index.js';
import { getObjectOr404 } from '../../src/runtime/shortcuts.js';
import { Kysely, SqliteDialect } from '../../src/runtime/db/kysely.js';
import { Client } from '../../src/runtime/test/index.js';

describe('URL values as the view’s second argument', () => {
  it('passes the converted values, and keeps them on request.params', async () => {
    const seen: unknown[] = [];
    const app = createApplication([
      path('articles/<int:year>/<slug:slug>/', (request, { year, slug }) => {
        seen.push(request.params);
        return text(`${typeof year} ${year + 1} ${slug.toUpperCase()}`);
      }),
      path('users/<str:name>/', include([path('files/<path:rest>', (_request, params) => text(JSON.stringify(params)))])),
    ]);
    const client = new Client(app);
    expect((await client.get('/articles/2024/hello-world/')).text()).toBe('number 2025 HELLO-WORLD');
    expect(seen).toEqual([{ year: 2024, slug: 'hello-world' }]);
    // An include()'s views get the prefix's values too.
    expect((await client.get('/users/ann/files/a/b.txt')).text()).toBe('{"name":"ann","rest":"a/b.txt"}');
  });

  it('types them from the route: <int:…> is a number, the other converters strings', () => {
    expectTypeOf<RouteParams<'articles/<int:year>/<slug:slug>/'>>().toEqualTypeOf<{ year: number; slug: string }>();
    expectTypeOf<RouteParams<'u/<uuid:id>/<name>/<path:rest>'>>().toEqualTypeOf<{ id: string; name: string; rest: string }>();
    expectTypeOf<RouteParams<'about/'>>().toEqualTypeOf<{}>();
    // A route the checker cannot read gives the general shape.
    expectTypeOf<RouteParams<string>>().toEqualTypeOf<Record<string, string | number>>();
    path('<int:year>/', (_request, { year }) => {
      expectTypeOf(year).toEqualTypeOf<number>();
      return text('');
    });
    // @ts-expect-error year is a number, not a string
    path('<int:year>/', (_request, params: { year: string }) => text(params.year));
    // @ts-expect-error the route captures no slug
    path('<int:year>/', (_request, { slug }) => text(String(slug)));
  });
});

describe('Http404 and PermissionDenied', () => {
  const denyAll: Middleware = (next) => async (request) => {
    if (request.query.has('deny')) throw new PermissionDenied('middleware says no');
    return next(request);
  };
  const routes = [
    path('missing/', function articleDetail() {
      throw new Http404('No article <b>7</b>');
    }),
    path('secret/', () => {
      throw new PermissionDenied('staff only');
    }),
    path('ok/', () => text('ok')),
  ];

  it('outside DEBUG: the project’s 404.html and 403.html, else plain pages; the middleware sees the response', async () => {
    const statuses: number[] = [];
    const watch: Middleware = (next) => async (request) => {
      const response = await next(request);
      statuses.push(response.status);
      return response;
    };
    const pages = new Client(
      createApplication(routes, { middleware: [watch, denyAll], render404: () => '<h1>Lost</h1>', render403: () => '<h1>Not for you</h1>' }),
    );
    const missing = await pages.get('/missing/');
    expect([missing.status, missing.text()]).toEqual([404, '<h1>Lost</h1>']);
    const secret = await pages.get('/secret/');
    expect([secret.status, secret.text()]).toEqual([403, '<h1>Not for you</h1>']);
    // Raised by a middleware: still the 403 page (caught around the middleware, so `watch` sees no response).
    const denied = await pages.get('/ok/?deny');
    expect([denied.status, denied.text()]).toEqual([403, '<h1>Not for you</h1>']);
    expect(statuses).toEqual([404, 403]);

    const plain = new Client(createApplication(routes));
    expect((await plain.get('/missing/')).text()).toBe('Not Found\n');
    const forbidden = await plain.get('/secret/');
    expect([forbidden.status, forbidden.text()]).toEqual([403, '403 Forbidden\n']);
  });

  it('in DEBUG: the 404 page says what the view raised and which view, escaped', async () => {
    const response = await new Client(createApplication(routes, { debug: true })).get('/missing/');
    expect(response.status).toBe(404);
    expect(response.header('content-type')).toBe('text/html; charset=utf-8');
    const page = response.text();
    expect(page).toContain('<p>No article &lt;b&gt;7&lt;/b&gt;</p>');
    expect(page).toContain('<th>Raised by:</th><td>articleDetail</td>');
    expect(page).not.toContain('tried these URL patterns');
    expect((await new Client(createApplication(routes, { debug: true })).get('/secret/')).text()).toBe('403 Forbidden\n\nstaff only\n');
  });
});

describe('getObjectOr404', () => {
  interface Tables {
    article: { id: number; slug: string; title: string };
  }
  let sqlite: Database.Database;
  let db: Kysely<Tables>;

  beforeAll(async () => {
    sqlite = new Database(':memory:');
    db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: sqlite }) });
    await db.schema.createTable('article').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('slug', 'text').addColumn('title', 'text').execute();
    await db.insertInto('article').values({ id: 1, slug: 'hello', title: 'Hello' }).execute();
  });

  afterAll(async () => {
    await db.destroy();
  });

  it('gives the row of a Kysely query, typed, and a 404 page when there is none', async () => {
    const app = createApplication(
      [
        path('articles/<slug:slug>/', async (_request, { slug }) => {
          const article = await getObjectOr404(db.selectFrom('article').select(['id', 'title']).where('slug', '=', slug));
          expectTypeOf(article).toEqualTypeOf<{ id: number; title: string }>();
          return text(`${article.id} ${article.title}`);
        }),
      ],
      { render404: () => 'no such article' },
    );
    const client = new Client(app);
    expect((await client.get('/articles/hello/')).text()).toBe('1 Hello');
    const missing = await client.get('/articles/nope/');
    expect([missing.status, missing.text()]).toEqual([404, 'no such article']);
  });

  it('raises Http404 with Django’s message', async () => {
    await expect(getObjectOr404(db.selectFrom('article').selectAll().where('id', '=', 99))).rejects.toThrow(new Http404('No object matches the given query.'));
  });
});

describe('the DEBUG 404 page', () => {
  const urlpatterns = [
    path('', () => text('home'), { name: 'home' }),
    path('blog/', include([path('<int:year>/<slug:slug>/', () => text('post'), { name: 'post' })], { namespace: 'blog' })),
  ];

  it('lists the URL patterns tried, in order, with their names, and the path that matched none, all escaped', async () => {
    const app = createApplication(urlpatterns, { debug: true, urlconf: 'mysite.urls' });
    const response = await new Client(app).get('/%3Cscript%3Ealert(1)%3C/script%3E');
    expect(response.status).toBe(404);
    expect(response.header('content-type')).toBe('text/html; charset=utf-8');
    const page = response.text();
    expect(page).toContain('Using the URL table defined in <code>mysite.urls</code>, tsgate tried these URL patterns, in this order:');
    expect(page).toContain("<ol><li><code></code> [name='home']</li><li><code>blog/&lt;int:year&gt;/&lt;slug:slug&gt;/</code> [name='blog:post']</li></ol>");
    expect(page).toContain("The current path, <code>&lt;script&gt;alert(1)&lt;/script&gt;</code>, didn't match any of these.");
    expect(page).not.toContain('<script>');
  });

  it('is not shown outside DEBUG', async () => {
    const response = await new Client(createApplication(urlpatterns)).get('/nowhere');
    expect([response.status, response.text()]).toEqual([404, 'Not Found\n']);
  });

  it('escapes the Host it shows', async () => {
    const page = (await new Client(createApplication([], { debug: true }), 'a"b<i>').get('/x')).text();
    expect(page).toContain('http://a&quot;b&lt;i&gt;/x');
  });
});

// The view type is what a Django user writes: (request, { slug }).
export type ArticleView = (request: Request, params: RouteParams<'articles/<slug:slug>/'>) => ReturnType<typeof text>;
