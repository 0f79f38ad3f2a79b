/**
 * The TSGI application of a project: routes each request through the URL
 * table to a view and turns the view's HttpResponse into TSGI.
 */
import { LOGGED_PATH_KEY, PATH_MASK } from '../logging/index.js';
import { ROUTE_KEY } from '../metrics/index.js';
import { inSpan, traceRequest, tracing, withRequestLog } from '../tracing/index.js';
import type { Application, Body } from '../tsgi/types.js';
import { Http404, PermissionDenied } from './exceptions.js';
import { Request } from './request.js';
import { HttpResponse, text } from './response.js';
import { handleErrors, type ErrorHandlingOptions } from './errors.js';
import type { UploadLimits } from './limits.js';
import { applyMiddleware, type Handler, type Middleware } from './middleware.js';
import { forbidden, notFound, type StatusPages } from './status-pages.js';
import { flatten, maskedPathInfo, resolve, type Route, type UrlPattern } from './urls.js';

export interface ApplicationOptions {
  /** Show the URL patterns tried on a 404, as Django does in DEBUG. */
  debug?: boolean;
  /** In MIDDLEWARE order: the first sees the request first. */
  middleware?: readonly Middleware[];
  /** Routes served before the middleware, e.g. /healthz. */
  builtins?: readonly Route[];
  /** ROOT_URLCONF, named on the DEBUG 404 page. */
  urlconf?: string;
  /** The project's 404 page (outside DEBUG); when it throws, a plain 404. */
  render404?: () => string;
  /** The project's 403 page, for PermissionDenied; when it throws, a plain 403. */
  render403?: () => string;
  /** Turn exceptions into error pages; without it they reach the server (a bare 500). */
  errors?: ErrorHandlingOptions;
  /** How much of a request body may be held in memory (the DATA_UPLOAD_* settings); Django's defaults when absent. */
  uploadLimits?: UploadLimits;
}

function toBody(body: HttpResponse['body']): Body {
  return body instanceof Uint8Array ? [body] : body;
}

function allows(route: Route, method: string): boolean {
  if (!route.methods) return true;
  return route.methods.includes(method) || (method === 'HEAD' && route.methods.includes('GET'));
}

/** Http404 and PermissionDenied as their pages; anything else is rethrown. */
function statusPage(error: unknown, request: Request, pages: StatusPages, route?: Route): HttpResponse {
  if (error instanceof Http404) return notFound(request, pages, { error, route });
  if (error instanceof PermissionDenied) return forbidden(error, pages);
  throw error;
}

/** Finds the route for the request and calls its view with the converted URL values. */
export async function dispatch(patterns: readonly Route[], request: Request, pages: StatusPages = { debug: false, patterns }): Promise<HttpResponse> {
  const matches = resolve(patterns, request.pathInfo);
  if (matches.length === 0) return notFound(request, pages);
  const match = matches.find(({ route }) => allows(route, request.method));
  if (!match) {
    const allowed = new Set(matches.flatMap(({ route }) => route.methods ?? []));
    if (allowed.has('GET')) allowed.add('HEAD');
    return text('Method Not Allowed\n', 405, [['Allow', [...allowed].join(', ')]]);
  }
  request.params = match.params;
  // The route label of the server's metrics: the pattern's name, else the pattern (never the path).
  request.environ[ROUTE_KEY] = match.route.name ?? `/${match.route.route}`;
  try {
    if (!tracing()) return await match.route.view(request, match.params);
    const name = match.route.name ?? `/${match.route.route}`;
    return await inSpan(`view ${name}`, { 'http.route': name }, () => match.route.view(request, match.params));
  } catch (error) {
    return statusPage(error, request, pages, match.route);
  }
}

/**
 * Leaves the path with a sensitive route's values (a reset link's token)
 * masked in the environ, for every log of the request (logging/redact.ts).
 * Done as the request arrives, before the middleware, whose own lines
 * (a refused Host, a CSRF failure) show the path too; only the few
 * sensitive routes are tried, so other requests pay one empty loop. A path
 * that matches one is masked even if an earlier route answers it: more
 * hidden, never less.
 */
function maskSensitive(sensitive: readonly Route[], request: Request): void {
  for (const route of sensitive) {
    const masked = maskedPathInfo(route, request.pathInfo, PATH_MASK);
    if (masked === undefined) continue;
    request.environ[LOGGED_PATH_KEY] = masked;
    return;
  }
}

export function createApplication(patterns: readonly UrlPattern[], options: ApplicationOptions = {}): Application {
  const routes = flatten(patterns);
  const sensitive = routes.filter((route) => route.sensitive !== undefined);
  const builtins = options.builtins ?? [];
  const pages: StatusPages = {
    debug: options.debug ?? false,
    patterns: routes,
    urlconf: options.urlconf,
    render404: options.render404,
    render403: options.render403,
  };
  const view: Handler = (request) => dispatch(routes, request, pages);
  // Errors become responses inside the middleware (so each middleware sees a
  // 500, as in Django) and around it (for a middleware's own error).
  const pagesFor = (handler: Handler): Handler => async (request) => {
    try {
      return await handler(request);
    } catch (error) {
      return statusPage(error, request, pages);
    }
  };
  const guard = (handler: Handler) => (options.errors ? handleErrors(handler, options.errors) : handler);
  const chain = applyMiddleware(options.middleware ?? [], guard(view));
  // One span around the middleware chain (the view's span is its child), when tracing exports spans.
  const traced: Handler = (request) => inSpan('middleware', {}, () => chain(request));
  // Tracing starts before the app is loaded (server/worker.ts), so this is known now.
  const handler = guard(pagesFor(tracing() ? traced : chain));
  return async (environ, startResponse) => {
    const request = new Request(environ, options.uploadLimits);
    if (sensitive.length > 0) maskSensitive(sensitive, request);
    // Built-in routes (health checks) answer ahead of the middleware: a probe
    // from a pod IP or 127.0.0.1 must not fail host validation.
    const builtin = builtins.length > 0 && resolve(builtins, request.pathInfo).length > 0;
    const respond = () => (builtin ? dispatch(builtins, request) : handler(request));
    // The request's ids on every log line written while it is served (tracing/log-context.ts).
    const response = await withRequestLog(environ, tracing() ? () => traceRequest(environ, () => environ[ROUTE_KEY], respond) : respond);
    startResponse(response.statusLine, response.headers);
    return toBody(response.body);
  };
}
