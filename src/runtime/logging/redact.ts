/**
 * A URL as messages, logs and the debug page show it: the password masked,
 * the scheme and user kept so the reader can tell which server is meant.
 *
 * The text is taken as one URL, and the password as running from the first
 * `user:` after `//` to the last `@`: the URL parser (and so the driver)
 * reads an unencoded @ as part of the password, and a password holding `/`,
 * `?`, `#` or a space (which makes the value no URL at all, the very case a
 * message shows it) must not show either. An @ later in the path or query
 * masks the host too: more hidden, never less.
 */
export function redactUrl(text: string, mask = '***'): string {
  return text.replace(/(\/\/[^:/?#@\s]*):[\s\S]*@/, `$1:${mask}@`);
}

/**
 * The environ key under which routing (http/application.ts) leaves the
 * request's PATH_INFO with the values of a sensitive route's parameters
 * masked (`path(…, { sensitive: ['token'] })`: a password reset link's
 * token). Every place that logs, reports or traces a request's path reads
 * it through `loggedPath()` / `loggedTarget()`, so the token is in none.
 */
export const LOGGED_PATH_KEY = 'tsgate.logged_path';

/** What stands for a sensitive path segment in logs, pages and spans. */
export const PATH_MASK = '********';

interface PathEnviron {
  SCRIPT_NAME?: unknown;
  PATH_INFO?: unknown;
  [key: string]: unknown;
}

/** The request's PATH_INFO as logs may show it: masked when a sensitive route matched. */
export function loggedPathInfo(environ: PathEnviron): string {
  const masked = environ[LOGGED_PATH_KEY];
  return typeof masked === 'string' ? masked : String(environ.PATH_INFO ?? '/');
}

/** The request's path (SCRIPT_NAME + PATH_INFO) as logs may show it. */
export function loggedPath(environ: PathEnviron): string {
  return String(environ.SCRIPT_NAME ?? '') + loggedPathInfo(environ);
}

/**
 * The request target as sent (`/path?query`, for the access log's `%(r)s`)
 * as logs may show it: the path replaced by its masked form when a
 * sensitive route matched, the query kept as sent; as sent otherwise.
 */
export function loggedTarget(environ: PathEnviron | undefined, target: string): string {
  if (environ === undefined || typeof environ[LOGGED_PATH_KEY] !== 'string') return target;
  const query = target.indexOf('?');
  return loggedPath(environ) + (query === -1 ? '' : target.slice(query));
}
