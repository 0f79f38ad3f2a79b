/**
 * The request's span (SERVER kind, continuing the caller's trace), around
 * the whole application; its ids become the request's trace context, so the
 * 500 page and the log lines carry them.
 */
import { LOGGED_PATH_KEY } from '../logging/index.js';
import { tracing, extractContext } from './otel.js';
import { TRACE_KEY, type TraceContext } from './traceparent.js';

/** Runs `handle` inside the request's span when the SDK runs; otherwise calls it as is. */
export function traceRequest<T extends { status: number }>(
  environ: Record<string, unknown>,
  route: () => unknown,
  handle: () => Promise<T>,
): Promise<T> {
  const t = tracing();
  if (!t) return handle();
  const method = String(environ.REQUEST_METHOD);
  const parent = extractContext(environ) ?? t.api.ROOT_CONTEXT;
  const span = t.tracer.startSpan(
    method,
    { kind: t.api.SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': String(environ.PATH_INFO ?? '/'), 'url.scheme': String(environ['wsgi.url_scheme'] ?? 'http') } },
    parent,
  );
  const ids = span.spanContext();
  const parentSpan = t.api.trace.getSpanContext(parent);
  const context: TraceContext = { traceId: ids.traceId, spanId: ids.spanId, parentId: parentSpan?.spanId, flags: ids.traceFlags };
  environ[TRACE_KEY] = context;
  const finish = (status: number) => {
    // Routing masks a sensitive route's values (a reset token); the span is exported at end(), so it carries the masked path only.
    const masked = environ[LOGGED_PATH_KEY];
    if (typeof masked === 'string') span.setAttribute('url.path', masked);
    const name = route();
    if (typeof name === 'string') {
      span.setAttribute('http.route', name);
      span.updateName(`${method} ${name}`);
    }
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: t.api.SpanStatusCode.ERROR });
    span.end();
  };
  return t.api.context.with(t.api.trace.setSpan(parent, span), async () => {
    try {
      const response = await handle();
      finish(response.status);
      return response;
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      finish(500);
      throw error;
    }
  });
}
