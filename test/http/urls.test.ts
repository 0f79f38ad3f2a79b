import { describe, expect, it } from 'vitest';
import { BodyReader } from '../../src/runtime/tsgi/input.js';
import { buildEnviron } from '../../src/runtime/tsgi/environ.js';
import { createApplication, flatten, include, NoReverseMatch, path, resolve, reverseIn, text, type Request } from '../../src/runtime/http/index.js';
import { Client } from '../../src/runtime/test/index.js';

const view = (label: string) => (request: Request) => text(`${label} ${JSON.stringify(request.params)}`);

const blog = [
  path('', view('index'), { name: 'index' }),
  path('<int:year>/<slug:slug>/', view('post'), { name: 'post' }),
];
const urlpatterns = [
  path('', view('home'), { name: 'home', methods: ['GET'] }),
  path('blog/', include(blog, { namespace: 'blog' })),
  path('files/<path:rest>', view('file'), { name: 'file' }),
  path('u/<uuid:id>/', view('user'), { name: 'user' }),
];

describe('path() converters and include()', () => {
  it('routes into included tables under their prefix, with typed params', async () => {
    const client = new Client(createApplication(urlpatterns));
    expect((await client.get('/blog/2024/hello-world/')).text()).toBe('post {"year":2024,"slug":"hello-world"}');
    expect((await client.get('/blog/')).text()).toBe('index {}');
    expect((await client.get('/files/a/b/c.txt')).text()).toBe('file {"rest":"a/b/c.txt"}');
    expect((await client.get('/u/123e4567-e89b-12d3-a456-426614174000/')).status).toBe(200);
    expect((await client.get('/u/not-a-uuid/')).status).toBe(404);
    expect((await client.get('/blog/20x4/hello/')).status).toBe(404);
  });

  it('answers 405 with Allow for a method the route does not take', async () => {
    const response = await new Client(createApplication(urlpatterns)).post('/');
    expect(response.status).toBe(405);
    expect(response.header('allow')).toBe('GET, HEAD');
  });

  it('resolves PATH_INFO, percent-decoded', () => {
    const environ = buildEnviron({ method: 'GET', target: '/files/a%20b', headers: [], input: BodyReader.of('') });
    expect(resolve(flatten(urlpatterns), environ.PATH_INFO)[0]?.params).toEqual({ rest: 'a b' });
  });
});

describe('reverse()', () => {
  const routes = flatten(urlpatterns);

  it('builds URLs from names, namespaced names and params', () => {
    expect(reverseIn(routes, 'home')).toBe('/');
    expect(reverseIn(routes, 'blog:index')).toBe('/blog/');
    expect(reverseIn(routes, 'blog:post', { year: 2024, slug: 'hello' })).toBe('/blog/2024/hello/');
    expect(reverseIn(routes, 'file', { rest: 'a b/c' })).toBe('/files/a%20b/c');
    expect(reverseIn(routes, 'file', { rest: 'q?x=1#frag%' })).toBe('/files/q%3Fx%3D1%23frag%25');
  });

  it('refuses unknown names and params that do not fit, naming the route', () => {
    expect(() => reverseIn(routes, 'nope')).toThrow(NoReverseMatch);
    expect(() => reverseIn(routes, 'nope')).toThrow("no route is named 'nope'");
    expect(() => reverseIn(routes, 'blog:post', { year: 'x', slug: 'hello' })).toThrow(/route 'blog:post' exists/);
    expect(() => reverseIn(routes, 'blog:post', { year: 2024 })).toThrow(NoReverseMatch);
  });
});

describe('Request', () => {
  it('parses cookies, skipping malformed pairs and keeping the first of duplicates', async () => {
    let seen: Record<string, string> = {};
    const app = createApplication([path('', (request) => ((seen = request.cookies), text('ok')))]);
    await new Client(app).get('/', { headers: { Cookie: 'a=1; broken; b="quoted"; c=x%20y; a=2' } });
    expect(seen).toEqual({ a: '1', b: 'quoted', c: 'x y' });
  });

  it('reconstructs the host from Host, else SERVER_NAME and a non-default port', async () => {
    const hosts: string[] = [];
    const app = createApplication([path('', (request) => (hosts.push(request.host), text('ok')))]);
    await new Client(app, 'example.com:8443').get('/');
    await new Client(app).get('/', { environ: { HTTP_HOST: '', SERVER_NAME: 'internal', SERVER_PORT: '8000' } });
    expect(hosts).toEqual(['example.com:8443', 'internal:8000']);
  });
});
