/**
 * Views that need a user, after Django's decorators: `loginRequired(view)`
 * sends a visitor who is not logged in to LOGIN_URL with `?next=` (the page
 * they asked for); `staffRequired(view)` and `permissionRequired(perm,
 * view)` do the same for visitors, and answer 403 to a logged-in user who
 * lacks the right. `safeRedirect()` is the check every `next` goes through.
 */
import { settings } from '../conf/settings.js';
import { PermissionDenied } from '../http/exceptions.js';
import type { Request, RequestUser } from '../http/request.js';
import { redirect, type HttpResponse } from '../http/response.js';
import { hasPermission } from './users.js';

/** A view with whatever URL values it takes after the request; the wrappers pass them on. */
type View<A extends unknown[]> = (request: Request, ...rest: A) => HttpResponse | Promise<HttpResponse>;

function userOf(request: Request): RequestUser {
  if (!request.user) throw new Error('request.user is not set: add authenticationMiddleware (tsgate/auth) to MIDDLEWARE, after sessionMiddleware');
  return request.user;
}

/**
 * `next` when it is safe to redirect to: a path on this site (`/x`, not
 * `//evil` or `/\evil`), or an http(s) URL on this very host (https only
 * when the request is). Anything else, and anything with control
 * characters or backslashes, is refused (undefined): an open redirect
 * would send a just-logged-in user to a look-alike site.
 */
export function safeRedirect(next: string | null | undefined, request: Request): string | undefined {
  if (!next || next.length > 2000 || /[\u0000-\u001f\u007f\\]/.test(next)) return undefined;
  if (next.startsWith('/')) return next.startsWith('//') ? undefined : next;
  let url: URL;
  try {
    url = new URL(next);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (request.scheme === 'https' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password) return undefined;
  return url.host.toLowerCase() === request.host.toLowerCase() ? next : undefined;
}

/** The redirect to LOGIN_URL with this page as `next`. */
export function redirectToLogin(request: Request, loginUrl = settings.LOGIN_URL): HttpResponse {
  const query = request.environ.QUERY_STRING ? `?${request.environ.QUERY_STRING}` : '';
  const target = new URL(loginUrl, 'http://placeholder');
  target.searchParams.set('next', request.path + query);
  const url = /^https?:/.test(loginUrl) ? target.href : `${target.pathname}${target.search}`;
  return redirect(url);
}

export function loginRequired<A extends unknown[]>(view: View<A>): View<A> {
  return (request, ...rest) => (userOf(request).isAuthenticated ? view(request, ...rest) : redirectToLogin(request));
}

/** Logged in, active and staff; a logged-in user who is not gets 403. */
export function staffRequired<A extends unknown[]>(view: View<A>): View<A> {
  return (request, ...rest) => {
    const user = userOf(request);
    if (!user.isAuthenticated) return redirectToLogin(request);
    if (!user.isActive || !user.isStaff) throw new PermissionDenied('Staff only.');
    return view(request, ...rest);
  };
}

/** Logged in and granted `permission` (`app.codename`; superusers have all); a logged-in user without it gets 403. */
export function permissionRequired<A extends unknown[]>(permission: string, view: View<A>): View<A> {
  return async (request, ...rest) => {
    const user = userOf(request);
    if (!user.isAuthenticated) return redirectToLogin(request);
    if (!(await hasPermission(user, permission))) throw new PermissionDenied(`You need the permission ${permission}.`);
    return view(request, ...rest);
  };
}
