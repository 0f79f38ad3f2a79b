/**
 * What a view's exception becomes. DEBUG: a developer page with the stack,
 * the request and the settings (secrets masked). Production: a plain 500
 * (the project's `500.html` when the handler is given one), the exception
 * logged once as JSON with a request id, and nothing secret in page or log.
 */
import { loggedPath, logger, redactUrl } from '../logging/index.js';
import { ROUTE_KEY } from '../metrics/index.js';
import { hasErrorReporters, reportError, type ErrorReport } from '../reporting/index.js';
import { requestId as requestIdOf, requestTrace } from '../tracing/index.js';
import { HttpError } from '../tsgi/errors.js';
import { escapeHtml as escape } from './html.js';
import type { Handler } from './middleware.js';
import type { Request } from './request.js';
import { ProblemError } from './problem.js';
import { html, text, type HttpResponse } from './response.js';

/** Setting names that look secret are never shown, as Django's HIDDEN_SETTINGS. */
const HIDDEN = /API|KEY|PASS|SECRET|SIGNATURE|TOKEN/i;
const MASK = '********************';

function cleanse(key: string, value: unknown): unknown {
  if (HIDDEN.test(key)) return MASK;
  if (typeof value === 'string') return redactUrl(value, MASK);
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (Array.isArray(value)) return value.map((item, index) => cleanse(String(index), item));
  if (typeof value === 'object' && value !== null) return maskSettings(value as Record<string, unknown>);
  return value;
}

/** A copy of `values` with secret-looking keys and URL passwords masked, at any depth (DATABASES.default.URL). */
export function maskSettings(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, cleanse(key, value)]));
}

function table(rows: Record<string, unknown>): string {
  return Object.entries(rows)
    .map(([key, value]) => `<tr><th>${escape(key)}</th><td><pre>${escape(typeof value === 'string' ? value : JSON.stringify(value, null, 1))}</pre></td></tr>`)
    .join('');
}

/** The request's headers as the debug page and the error reporters show them: no cookies, no credentials, nothing secret-looking. */
function visibleHeaders(environ: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environ).filter((entry): entry is [string, string] => {
      const [key, value] = entry;
      return key.startsWith('HTTP_') && typeof value === 'string' && !/COOKIE|AUTHORIZATION/.test(key) && !HIDDEN.test(key);
    }),
  );
}

/** A copy of `error` for reporters: URL passwords masked in its message and stack, its cause chain copied the same way. */
function maskedError(error: unknown, depth = 0): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const copy = new Error(redactUrl(source.message, MASK));
  copy.name = source.name;
  copy.stack = source.stack === undefined ? undefined : redactUrl(source.stack, MASK);
  if (source.cause !== undefined && depth < 5) copy.cause = maskedError(source.cause, depth + 1);
  return copy;
}

export function debugPage(error: unknown, request: Request, settings: Record<string, unknown>): string {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const headers = visibleHeaders(request.environ);
  const path = loggedPath(request.environ);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(name)} at ${escape(path)}</title>
<style>body{font:14px sans-serif;margin:0}header{background:#ffc;padding:1em 2em;border-bottom:1px solid #ddd}section{padding:0 2em}pre{white-space:pre-wrap;margin:0}th{text-align:left;vertical-align:top;padding-right:1em}</style></head>
<body><header><h1>${escape(name)} at ${escape(path)}</h1><pre>${escape(message)}</pre>
<p>${escape(request.method)} ${escape(path)} — you see this page because DEBUG = true. Never run production with DEBUG on.</p></header>
<section><h2>Traceback</h2><pre>${escape(stack)}</pre>
<h2>Request</h2><table>${table({ method: request.method, path, query: request.environ.QUERY_STRING, ...headers })}</table>
<h2>Settings</h2><table>${table(maskSettings(settings))}</table></section></body></html>`;
}

export interface ErrorHandlingOptions {
  debug: boolean;
  settings: () => Record<string, unknown>;
  /** Renders the project's 500 page, if it has one. */
  render500?: (() => string | Promise<string>) | undefined;
}

/** Catches what a handler throws and answers as above. */
export function handleErrors(handler: Handler, options: ErrorHandlingOptions): Handler {
  return async (request) => {
    try {
      return await handler(request);
    } catch (error) {
      return errorResponse(error, request, options);
    }
  };
}

const REPORTED_KEY = 'tsgate.reported_errors';

/** Whether this request has not logged this error (by name and masked message) yet; marks it. */
function firstReport(environ: Record<string, unknown>, masked: Error): boolean {
  const seen = (environ[REPORTED_KEY] ??= new Set<string>()) as Set<string>;
  const key = `${masked.name}: ${masked.message}`;
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
}

async function errorResponse(error: unknown, request: Request, options: ErrorHandlingOptions): Promise<HttpResponse> {
  // A client's mistake (a body over the limit, a malformed upload) is its status, not a server error;
  // an API's (request.validate()) is answered with problem details.
  if (error instanceof ProblemError) return error.response();
  if (error instanceof HttpError) {
    return text(`${error.message}\n`, Number(error.status.slice(0, 3)));
  }
  // A proxy's X-Request-ID, else the W3C trace id (the caller's, from traceparent, or a new one): tracing/log-context.ts.
  const trace = requestTrace(request.environ);
  const requestId = requestIdOf(request.environ);
  const routeValue = request.environ[ROUTE_KEY];
  const route = typeof routeValue === 'string' ? routeValue : undefined;
  // tsgate/auth's user, when its middleware ran and someone is logged in: id and email, nothing else.
  const user = request.user?.isAuthenticated ? { id: request.user.id, email: request.user.email } : undefined;
  // What the log and the reporters see: a driver's message often carries its connection URL.
  const masked = maskedError(error);
  // The error pages run inside the middleware and around it: an error a middleware rethrows (a
  // failed pool, cached) would reach both; it is logged and reported once per request.
  if (firstReport(request.environ, masked)) {
    logger.error('Internal Server Error', {
      request_id: requestId,
      trace_id: trace.traceId,
      span_id: trace.spanId,
      ...(trace.parentId === undefined ? {} : { parent_span_id: trace.parentId }),
      method: request.method,
      path: loggedPath(request.environ),
      ...(route === undefined ? {} : { route }),
      ...(user === undefined ? {} : { user_id: user.id, user_email: user.email }),
      error: `${masked.name}: ${masked.message}`,
      stack: error instanceof Error ? masked.stack : undefined,
    });
    if (hasErrorReporters()) {
      const report: ErrorReport = {
        error: masked,
        requestId,
        traceId: trace.traceId,
        spanId: trace.spanId,
        route,
        user,
        request: { method: request.method, path: loggedPath(request.environ), query: redactUrl(String(request.environ.QUERY_STRING ?? ''), MASK), headers: visibleHeaders(request.environ) },
      };
      reportError(report, (failure) => logger.error('Error reporter failed', { request_id: requestId, error: failure instanceof Error ? failure.message : String(failure) }));
    }
  }
  if (options.debug) return html(debugPage(error, request, options.settings()), 500);
  const headers: [string, string][] = [['X-Request-ID', requestId]];
  if (options.render500) {
    try {
      return html(await options.render500(), 500, headers);
    } catch {
      // a broken 500 page must not hide the first error: fall through to the plain one
    }
  }
  return text(`Server Error (500)\nRequest id: ${requestId}\n`, 500, headers);
}
