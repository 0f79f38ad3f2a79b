/**
 * Sessions, with two engines (SESSION_ENGINE):
 *
 * - `'db'` (Django's db backend; the default when tsgate.auth is installed):
 *   the cookie holds a random key, the data a row of `auth_session`
 *   (session-db.ts). `session.cycleKey()` moves the data to a new key (login:
 *   no fixation), `session.flush()` deletes the row (logout: the old cookie
 *   is worthless at once).
 * - `'signed_cookies'` (Django's signed_cookies backend): the session is
 *   JSON in the cookie, signed with SECRET_KEY, so no server state is
 *   needed; keep it small and never put secrets in it (it is readable, not
 *   writable). It cannot be revoked before it expires.
 */
import { settings } from '../conf/settings.js';
import type { Settings } from '../conf/types.js';
import { serializeCookie, type CookieOptions } from '../http/cookies.js';
import type { Handler, Middleware } from '../http/middleware.js';
import { Session } from '../http/request.js';
import { patchVaryHeaders, type HttpResponse } from '../http/response.js';
import { deleteSession, loadStoredSession, newSessionKey, saveSession } from './session-db.js';
import { BadSignature, sign, unsign } from './signing.js';

const SALT = 'tsgate.sessions';

/** The engine the settings ask for: SESSION_ENGINE, else 'db' when tsgate.auth is installed (its migration makes the table). */
export function sessionEngine(loaded: Readonly<Settings> = settings): 'db' | 'signed_cookies' {
  return loaded.SESSION_ENGINE ?? (loaded.INSTALLED_APPS.includes('tsgate.auth') ? 'db' : 'signed_cookies');
}

function loadSigned(cookie: string | undefined, secret: string, maxAge: number): Session {
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

function setCookie(response: HttpResponse, name: string, value: string, options: CookieOptions): HttpResponse {
  response.headers.push(['Set-Cookie', serializeCookie(name, value, options)]);
  patchVaryHeaders(response, ['Cookie']);
  return response;
}

/**
 * A page that read the session differs per visitor: shared caches (and the
 * cache middleware) must keep one per cookie, as Django says.
 */
function unmodified(response: HttpResponse, session: Session): HttpResponse {
  if (session.accessed) patchVaryHeaders(response, ['Cookie']);
  return response;
}

function signedCookies(next: Handler, name: string, cookie: CookieOptions): Handler {
  const secret = settings.SECRET_KEY;
  const maxAge = cookie.maxAge ?? 0;
  return async (request) => {
    request.session = loadSigned(request.cookies[name], secret, maxAge);
    const response = await next(request);
    const session = request.session;
    if (!session.modified) return unmodified(response, session);
    if (session.flushed && session.isEmpty) return request.cookies[name] === undefined ? response : setCookie(response, name, '', { ...cookie, maxAge: 0 });
    return setCookie(response, name, sign(secret, SALT, Buffer.from(JSON.stringify(session)).toString('base64url')), cookie);
  };
}

function database(next: Handler, name: string, cookie: CookieOptions): Handler {
  const maxAge = cookie.maxAge ?? 0;
  return async (request) => {
    const sent = request.cookies[name];
    const stored = sent === undefined ? undefined : await loadStoredSession(sent);
    request.session = stored === undefined ? new Session() : new Session(stored.data, sent);
    const response = await next(request);
    const session = request.session;
    if (!session.modified) return unmodified(response, session);
    const old = session.key;
    // Logout, or a key to be replaced: the old row goes, so its cookie logs nobody in any more.
    if (old !== undefined && (session.flushed || session.keyCycled)) await deleteSession(old);
    if (session.isEmpty) {
      if (old !== undefined && !session.flushed && !session.keyCycled) await deleteSession(old);
      return sent === undefined ? response : setCookie(response, name, '', { ...cookie, maxAge: 0 });
    }
    const keep = old !== undefined && !session.flushed && !session.keyCycled;
    const key = keep ? old : newSessionKey();
    // Deleted while this request ran (logged out elsewhere): the browser's cookie goes too.
    if (!(await saveSession(key, session.toJSON(), maxAge, keep, keep ? stored : undefined))) return setCookie(response, name, '', { ...cookie, maxAge: 0 });
    return setCookie(response, name, key, cookie);
  };
}

export const sessionMiddleware: Middleware = (next) => {
  const name = settings.SESSION_COOKIE_NAME;
  const cookie: CookieOptions = {
    maxAge: settings.SESSION_COOKIE_AGE,
    secure: settings.SESSION_COOKIE_SECURE,
    httpOnly: settings.SESSION_COOKIE_HTTPONLY,
    sameSite: settings.SESSION_COOKIE_SAMESITE,
  };
  return sessionEngine() === 'db' ? database(next, name, cookie) : signedCookies(next, name, cookie);
};
