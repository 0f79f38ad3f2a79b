/**
 * Tracing: W3C `traceparent` read and continued (a request's trace context
 * made on first use, so requests that need none pay nothing), and spans
 * exported with the OpenTelemetry SDK when OTEL_EXPORTER_OTLP_ENDPOINT is
 * set (otel.ts: the SDK is imported only then).
 */
export { continueTrace, formatTraceparent, newSpanId, newTraceId, parseTraceparent, requestTrace, TRACE_KEY, type TraceContext } from './traceparent.js';
export { activeIds, inSpan, otelConfigured, recordSpan, SDK_PACKAGES, shutdownTracing, startTracing, tracing, TracingError } from './otel.js';
export { traceRequest } from './request.js';
export { requestId, requestLogContext, requestLogFields, withRequestLog } from './log-context.js';
