/**
 * Whole responses in the cache, as Django's cache_page and per-site cache
 * middleware: `cachePage(600)(view)`, or `cacheMiddleware` in MIDDLEWARE.
 *
 * A page is kept under its absolute URL and the values of the request
 * headers its response varies on (Vary), so a page that read the session
 * or the CSRF token — which makes it Vary: Cookie — is kept once per
 * visitor's cookies and never handed to another. Never kept: responses
 * that set a cookie, say Cache-Control private/no-store/no-cache, Vary: *,
 * are not a 200, or are streamed; requests other than GET/HEAD or with an
 * Authorization header are neither answered from the cache nor stored.
 *
 * As in Django, the header list the URL's pages vary on is stored beside
 * them (`…headers.<url hash>`), so a lookup knows which request headers to
 * key by before it has a response.
 */
import { createHash } from 'node:crypto';
import { settings } from '../conf/settings.js';
import type { Handler, Middleware } from '../http/middleware.js';
import type { Request } from '../http/request.js';
import { HttpResponse, patchVaryHeaders } from '../http/response.js';
import type { Header } from '../tsgi/types.js';
import type { Cache } from './cache.js';
import { caches } from './registry.js';

export interface PageCacheOptions {
  /** CACHES alias; default 'default'. */
  cache?: string;
  /** Put in every key: pages cached with another prefix are apart. */
  keyPrefix?: string;
}

interface StoredPage {
  status: number;
  headers: Header[];
  /** base64 */
  body: string;
}

type Viewish = (request: Request, ...rest: never[]) => HttpResponse | Promise<HttpResponse>;

const UNCACHEABLE_DIRECTIVES = new Set(['private', 'no-store', 'no-cache']);

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 40);
}

function headerValues(headers: readonly Header[], name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter(([key]) => key.toLowerCase() === lower).map(([, value]) => value);
}

/** The Cache-Control directives, lower-cased, with their values. */
function cacheControl(headers: readonly Header[]): Map<string, string | undefined> {
  const directives = new Map<string, string | undefined>();
  for (const value of headerValues(headers, 'cache-control')) {
    for (const part of value.split(',')) {
      const [name = '', argument] = part.trim().split('=', 2);
      if (name) directives.set(name.toLowerCase(), argument?.replace(/^"|"$/g, ''));
    }
  }
  return directives;
}

function varyNames(headers: readonly Header[]): string[] {
  return headerValues(headers, 'vary')
    .flatMap((value) => value.split(','))
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
}

/** Requests a cached page may answer, and whose response may be stored. */
function cacheableRequest(request: Request): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && request.header('authorization') === undefined;
}

function urlDigest(request: Request): string {
  const query = request.environ.QUERY_STRING;
  return digest(`${request.scheme}://${request.host}${request.path}${query ? `?${query}` : ''}`);
}

function headersKey(prefix: string, url: string): string {
  return `views.cache.headers.${prefix}.${url}`;
}

/** The page's key: its URL and the request's values of the headers the page varies on. */
function pageKey(prefix: string, url: string, request: Request, names: readonly string[]): string {
  const values = names.map((name) => `${name}:${request.header(name) ?? ''}`).join('\n');
  return `views.cache.page.${prefix}.${url}.${digest(values)}`;
}

function rebuild(page: StoredPage): HttpResponse {
  return new HttpResponse(Buffer.from(page.body, 'base64'), page.status, page.headers);
}

/**
 * Whether `response` may be stored; undefined when not, else its ttl.
 * Like Django, a max-age the response gives wins over `seconds`.
 */
function storableFor(response: HttpResponse, seconds: number): number | undefined {
  if (response.status !== 200 || !(response.body instanceof Uint8Array)) return undefined;
  if (headerValues(response.headers, 'set-cookie').length > 0) return undefined;
  const control = cacheControl(response.headers);
  for (const directive of UNCACHEABLE_DIRECTIVES) if (control.has(directive)) return undefined;
  if (varyNames(response.headers).includes('*')) return undefined;
  const maxAge = control.get('s-maxage') ?? control.get('max-age');
  const ttl = maxAge !== undefined && /^\d+$/.test(maxAge) ? Number(maxAge) : seconds;
  return ttl > 0 ? ttl : undefined;
}

/** Calls `handler` with the CSRF token's use watched: a page that carries a visitor's token is theirs alone. */
interface Watched {
  response: HttpResponse;
  /** It read the session or the CSRF token: it is the visitor's own (Vary: Cookie). */
  personal: boolean;
  /**
   * It gives the visitor a cookie the middleware outside sets later (a new
   * session or CSRF token): a page keyed by an empty Cookie header would
   * hand that to every newcomer.
   */
  newCookie: boolean;
}

/** Calls the view with the session's and CSRF token's use watched. */
async function watched(request: Request, call: () => Promise<HttpResponse>): Promise<Watched> {
  const token = request.csrfToken;
  let used = false;
  if (token) {
    request.csrfToken = () => {
      used = true;
      return token();
    };
  }
  try {
    const response = await call();
    const session = request.session;
    const newToken = used && request.cookies[settings.CSRF_COOKIE_NAME] === undefined;
    return { response, personal: used || session?.accessed === true || session?.modified === true, newCookie: newToken || session?.modified === true };
  } finally {
    if (token) request.csrfToken = token;
  }
}

function pageCache(handler: Viewish, seconds: number, cache: () => Cache, prefix: string): (request: Request, ...rest: never[]) => Promise<HttpResponse> {
  return async (request, ...rest) => {
    if (!cacheableRequest(request)) return handler(request, ...rest);
    const store = cache();
    const url = urlDigest(request);
    const names = await store.get<string[]>(headersKey(prefix, url));
    if (names !== undefined) {
      const page = await store.get<StoredPage>(pageKey(prefix, url, request, names));
      if (page !== undefined) return rebuild(page);
    }
    const { response, personal, newCookie } = await watched(request, async () => handler(request, ...rest));
    // Only a GET's page is stored: a view may answer HEAD with an empty body.
    if (request.method !== 'GET' || newCookie) return response;
    if (personal) patchVaryHeaders(response, ['Cookie']);
    const ttl = storableFor(response, seconds);
    if (ttl === undefined) return response;
    if (!cacheControl(response.headers).has('max-age')) response.headers.push(['Cache-Control', `max-age=${ttl}`]);
    const vary = varyNames(response.headers).sort();
    const body = response.body as Uint8Array;
    const page: StoredPage = { status: response.status, headers: response.headers.map(([key, value]) => [key, value] as Header), body: Buffer.from(body).toString('base64') };
    await store.set(headersKey(prefix, url), vary, { ttl });
    await store.set(pageKey(prefix, url, request, vary), page, { ttl });
    return response;
  };
}

/**
 * Keeps a view's pages for `seconds` (unless the response gives its own
 * max-age): `path('prices/', cachePage(600)(prices))`.
 */
export function cachePage(seconds: number, options: PageCacheOptions = {}): <V extends Viewish>(view: V) => V {
  if (!(Number.isFinite(seconds) && seconds >= 0)) throw new RangeError(`cachePage(seconds): seconds must be 0 or more, got ${seconds}`);
  return <V extends Viewish>(view: V): V => {
    const cached = pageCache(view, seconds, () => caches.get(options.cache), options.keyPrefix ?? (view.name || 'view'));
    Object.defineProperty(cached, 'name', { value: view.name });
    return cached as unknown as V;
  };
}

/**
 * The per-site cache: every cacheable page for CACHE_MIDDLEWARE_SECONDS in
 * the CACHE_MIDDLEWARE_ALIAS cache. Put it after the host and security
 * middleware and before the session and CSRF middleware, so it sees the
 * Vary and Set-Cookie they add.
 */
export const cacheMiddleware: Middleware = (next: Handler): Handler =>
  pageCache(next, settings.CACHE_MIDDLEWARE_SECONDS, () => caches.get(settings.CACHE_MIDDLEWARE_ALIAS), `site${settings.CACHE_MIDDLEWARE_KEY_PREFIX}`);
