/**
 * The TSGI application of a project: routes each request through the URL
 * table to a view and turns the view's HttpResponse into TSGI.
 */
import type { Application, Body } from '../tsgi/types.js';
import { Request } from './request.js';
import { html, HttpResponse, text } from './response.js';
import { handleErrors, type ErrorHandlingOptions } from './errors.js';
import type { UploadLimits } from './limits.js';
import { applyMiddleware, type Handler, type Middleware } from './middleware.js';
import { flatten, resolve, type Route, type UrlPattern } from './urls.js';

export interface ApplicationOptions {
  /** Show the URL patterns tried on a 404, as Django does in DEBUG. */
  debug?: boolean;
  /** In MIDDLEWARE order: the first sees the request first. */
  middleware?: readonly Middleware[];
  /** Routes served before the middleware, e.g. /healthz. */
  builtins?: readonly Route[];
  /** The project's 404 page (outside DEBUG); when it throws, a plain 404. */
  render404?: () => string;
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

function notFound(request: Request, patterns: readonly Route[], debug: boolean, render404?: () => string): HttpResponse {
  if (!debug) {
    if (render404) {
      try {
        return html(render404(), 404);
      } catch {
        // no 404.html, or a broken one: the plain page below
      }
    }
    return text('Not Found\n', 404);
  }
  const tried = patterns.map((route) => `  ${route.route}${route.name ? `  [name='${route.name}']` : ''}`).join('\n');
  return text(`Page not found: ${request.path}\n\nURL patterns tried, in this order:\n${tried}\n`, 404);
}

export async function dispatch(patterns: readonly Route[], request: Request, debug = false, render404?: () => string): Promise<HttpResponse> {
  const matches = resolve(patterns, request.pathInfo);
  if (matches.length === 0) return notFound(request, patterns, debug, render404);
  const match = matches.find(({ route }) => allows(route, request.method));
  if (!match) {
    const allowed = new Set(matches.flatMap(({ route }) => route.methods ?? []));
    if (allowed.has('GET')) allowed.add('HEAD');
    return text('Method Not Allowed\n', 405, [['Allow', [...allowed].join(', ')]]);
  }
  request.params = match.params;
  return match.route.view(request);
}

export function createApplication(patterns: readonly UrlPattern[], options: ApplicationOptions = {}): Application {
  const routes = flatten(patterns);
  const builtins = options.builtins ?? [];
  const view: Handler = (request) => dispatch(routes, request, options.debug, options.render404);
  // Errors become responses inside the middleware (so each middleware sees a
  // 500, as in Django) and around it (for a middleware's own error).
  const guard = (handler: Handler) => (options.errors ? handleErrors(handler, options.errors) : handler);
  const handler = guard(applyMiddleware(options.middleware ?? [], guard(view)));
  return async (environ, startResponse) => {
    const request = new Request(environ, options.uploadLimits);
    // Built-in routes (health checks) answer ahead of the middleware: a probe
    // from a pod IP or 127.0.0.1 must not fail host validation.
    const builtin = builtins.length > 0 && resolve(builtins, request.pathInfo).length > 0;
    const response = builtin ? await dispatch(builtins, request) : await handler(request);
    startResponse(response.statusLine, response.headers);
    return toBody(response.body);
  };
}
