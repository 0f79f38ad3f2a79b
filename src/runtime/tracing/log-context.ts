/**
 * A request's ids for its log lines: `request_id` (a proxy's X-Request-ID
 * when it looks like one, else the trace id), `trace_id` (the caller's,
 * from traceparent, else a new one) and `span_id` (this request's span).
 * Made when the first line asks and kept in the environ, so a request that
 * logs nothing makes no ids, and the access log, the 500 page and every
 * line of the request agree.
 */
import { withLogContext, type LogContext } from '../logging/index.js';
import { requestTrace } from './traceparent.js';

const FIELDS_KEY = 'tsgate.log';
const REQUEST_ID = /^[\w.-]{1,128}$/;

/**
 * The request id shown on the 500 page, sent as X-Request-ID and logged:
 * a proxy's id is kept so logs line up, anything odd-looking is replaced
 * (never echoed); without one it is the W3C trace id, which tracing
 * systems and the log lines share.
 */
export function requestId(environ: Record<string, unknown>): string {
  const given = environ.HTTP_X_REQUEST_ID;
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : requestTrace(environ).traceId;
}

/** The request's log fields, made once. */
export function requestLogFields(environ: Record<string, unknown>): Record<string, string> {
  let fields = environ[FIELDS_KEY] as Record<string, string> | undefined;
  if (!fields) {
    const trace = requestTrace(environ);
    fields = { request_id: requestId(environ), trace_id: trace.traceId, span_id: trace.spanId };
    environ[FIELDS_KEY] = fields;
  }
  return fields;
}

/** Runs a request's handling with its ids on the log lines written meanwhile (logging/context.ts says how far that reaches). */
export function withRequestLog<T>(environ: Record<string, unknown>, fn: () => T): T {
  return withLogContext(() => requestLogFields(environ), fn);
}

/** The LogContext of one request, for a logger bound to it (`request.log`). */
export function requestLogContext(environ: Record<string, unknown>): LogContext {
  return () => requestLogFields(environ);
}
