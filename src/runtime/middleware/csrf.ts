/**
 * CSRF protection after Django's CsrfViewMiddleware: unsafe methods need a
 * token equal to the `csrftoken` cookie, from the `csrfmiddlewaretoken` form
 * field or the `X-CSRFToken` header; and an Origin (or, over HTTPS, a
 * Referer) that is this host or in CSRF_TRUSTED_ORIGINS.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { settings } from '../conf/settings.js';
import { serializeCookie } from '../http/cookies.js';
import type { Middleware } from '../http/middleware.js';
import type { Request } from '../http/request.js';
import { patchVaryHeaders, text } from '../http/response.js';
import { loggedPath, logger } from '../logging/index.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
export const CSRF_FIELD = 'csrfmiddlewaretoken';
const TOKEN = /^[A-Za-z0-9_-]{32,64}$/;

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The origin the request came from is this site or a trusted one; why not, otherwise. */
function checkOrigin(request: Request, trusted: readonly string[]): string | undefined {
  const here = `${request.scheme}://${request.host}`.toLowerCase();
  const origin = request.header('origin');
  if (origin !== undefined && origin !== 'null') {
    const lower = origin.toLowerCase();
    return lower === here || trusted.some((entry) => matchesTrusted(lower, entry)) ? undefined : `Origin checking failed - ${origin} does not match any trusted origins.`;
  }
  if (request.scheme !== 'https') return undefined;
  const referer = request.header('referer');
  if (!referer) return 'Referer checking failed - no Referer.';
  let url: URL;
  try {
    url = new URL(referer);
  } catch {
    return 'Referer checking failed - Referer is malformed.';
  }
  if (url.protocol !== 'https:') return 'Referer checking failed - Referer is insecure while host is secure.';
  const from = url.origin.toLowerCase();
  return from === here || trusted.some((entry) => matchesTrusted(from, entry)) ? undefined : `Referer checking failed - ${url.origin} does not match any trusted origins.`;
}

/** `https://*.example.com` trusts every subdomain, as Django 4 does. */
function matchesTrusted(origin: string, entry: string): boolean {
  const rule = entry.toLowerCase();
  if (!rule.includes('*')) return origin === rule;
  const [scheme, host] = rule.split('://*');
  return origin.startsWith(`${scheme}://`) && origin.endsWith(host ?? '');
}

function forbidden(reason: string, debug: boolean) {
  return text(debug ? `Forbidden (403)\nCSRF verification failed. Request aborted.\n\nReason: ${reason}\n` : 'Forbidden (403): CSRF verification failed.\n', 403);
}

export const csrfMiddleware: Middleware = (next) => {
  const cookieName = settings.CSRF_COOKIE_NAME;
  const secure = settings.CSRF_COOKIE_SECURE;
  const trusted = settings.CSRF_TRUSTED_ORIGINS;
  return async (request) => {
    const existing = request.cookies[cookieName];
    const cookieToken = existing && TOKEN.test(existing) ? existing : undefined;
    let token = cookieToken;
    let used = false;
    request.csrfToken = () => {
      used = true;
      token ??= randomBytes(32).toString('base64url');
      return token;
    };
    if (!SAFE_METHODS.has(request.method)) {
      const reason = checkOrigin(request, trusted) ?? (await checkToken(request, cookieToken));
      if (reason) {
        // The path is a field, never spliced into the line: a decoded %0A in it must not start a forged log line.
        logger.warning(`Forbidden (CSRF): ${reason}`, { logger: 'tsgate.security.csrf', method: request.method, path: loggedPath(request.environ), status: 403 });
        return forbidden(reason, settings.DEBUG);
      }
    }
    const response = await next(request);
    if (used && token !== cookieToken && token) {
      // A year, as Django: the token is not a secret from the page, only from other sites.
      response.headers.push(['Set-Cookie', serializeCookie(cookieName, token, { maxAge: 31449600, secure, sameSite: 'Lax' })]);
    }
    // A page that carries the visitor's token is theirs alone: a cache must key it by their cookie, never hand it to another.
    if (used) patchVaryHeaders(response, ['Cookie']);
    return response;
  };
};

async function checkToken(request: Request, cookieToken: string | undefined): Promise<string | undefined> {
  if (!cookieToken) return 'CSRF cookie not set.';
  const given = request.header('x-csrftoken') ?? (await request.form()).get(CSRF_FIELD) ?? '';
  if (!given) return 'CSRF token missing.';
  return same(given, cookieToken) ? undefined : 'CSRF token incorrect.';
}
