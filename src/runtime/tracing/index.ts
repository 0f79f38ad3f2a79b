/**
 * Tracing: W3C `traceparent` read and continued. A request's trace context
 * is made only when something asks for it (an error page, a log line), so
 * requests that need none pay nothing.
 */
export { continueTrace, formatTraceparent, newSpanId, newTraceId, parseTraceparent, requestTrace, TRACE_KEY, type TraceContext } from './traceparent.js';
