/**
 * Signed-cookie sessions (Django's signed_cookies backend): the session is
 * JSON in the cookie, signed with SECRET_KEY, so no server state is needed;
 * keep it small and never put secrets in it (it is readable, not writable).
 */
import { settings } from '../conf/settings.js';
import { serializeCookie } from '../http/cookies.js';
import type { Middleware } from '../http/middleware.js';
import { Session } from '../http/request.js';
import { patchVaryHeaders } from '../http/response.js';
import { BadSignature, sign, unsign } from './signing.js';

const SALT = 'tsgate.sessions';

function load(cookie: string | undefined, secret: string, maxAge: number): Session {
  if (!cookie) return new Session();
  try {
    const json = Buffer.from(unsign(secret, SALT, cookie, maxAge), 'base64url').toString('utf8');
    const data: unknown = JSON.parse(json);
    return new Session(typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {});
  } catch (error) {
    if (error instanceof BadSignature || error instanceof SyntaxError) return new Session();
    throw error;
  }
}

export const sessionMiddleware: Middleware = (next) => {
  const name = settings.SESSION_COOKIE_NAME;
  const maxAge = settings.SESSION_COOKIE_AGE;
  const cookie = {
    maxAge,
    secure: settings.SESSION_COOKIE_SECURE,
    httpOnly: settings.SESSION_COOKIE_HTTPONLY,
    sameSite: settings.SESSION_COOKIE_SAMESITE,
  };
  const secret = settings.SECRET_KEY;
  return async (request) => {
    request.session = load(request.cookies[name], secret, maxAge);
    const response = await next(request);
    const session = request.session;
    if (session.modified) {
      const value = sign(secret, SALT, Buffer.from(JSON.stringify(session)).toString('base64url'));
      response.headers.push(['Set-Cookie', serializeCookie(name, value, cookie)]);
    }
    // A page that read the session differs per visitor: shared caches (and the cache middleware) must keep one per cookie, as Django says.
    if (session.modified || session.accessed) patchVaryHeaders(response, ['Cookie']);
    return response;
  };
};
