/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the
 * `traceparent` header a proxy, a load balancer or a calling service sends,
 * read and continued, so that a request's log lines and error page carry
 * the trace id the rest of the system knows it by.
 *
 *   traceparent: 00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>
 */
import { randomBytes } from 'node:crypto';

export interface TraceContext {
  traceId: string;
  /** This request's own span. */
  spanId: string;
  /** The caller's span, when a valid traceparent came in. */
  parentId: string | undefined;
  /** Trace flags; bit 0 is "sampled". */
  flags: number;
}

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
const HEX = /^[0-9a-f]+$/;

/** The caller's trace id, span id and flags, or undefined for a missing or invalid header (then a new trace starts). */
export function parseTraceparent(header: unknown): { traceId: string; parentId: string; flags: number } | undefined {
  if (typeof header !== 'string') return undefined;
  const value = header.trim();
  const parts = value.split('-');
  if (parts.length < 4) return undefined;
  const [version = '', traceId = '', parentId = '', flags = ''] = parts;
  if (version.length !== 2 || !HEX.test(version) || version === 'ff') return undefined;
  // Version 00 has exactly four fields; a later version may append more, which this reader ignores.
  if (version === '00' && parts.length !== 4) return undefined;
  if (traceId.length !== 32 || !HEX.test(traceId) || traceId === ZERO_TRACE) return undefined;
  if (parentId.length !== 16 || !HEX.test(parentId) || parentId === ZERO_SPAN) return undefined;
  if (flags.length !== 2 || !HEX.test(flags)) return undefined;
  return { traceId, parentId, flags: Number.parseInt(flags, 16) };
}

export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

export function newSpanId(): string {
  return randomBytes(8).toString('hex');
}

/** Continues the caller's trace (a new span under its span), or starts a new sampled one. */
export function continueTrace(traceparent: unknown): TraceContext {
  const parent = parseTraceparent(traceparent);
  if (parent) return { traceId: parent.traceId, spanId: newSpanId(), parentId: parent.parentId, flags: parent.flags };
  return { traceId: newTraceId(), spanId: newSpanId(), parentId: undefined, flags: 1 };
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.flags.toString(16).padStart(2, '0')}`;
}

/** The environ key where a request's trace context is kept once something asked for it. */
export const TRACE_KEY = 'tsgate.trace';

/** The request's trace context, made on first use from its `traceparent` header and kept in the environ. */
export function requestTrace(environ: Record<string, unknown>): TraceContext {
  const existing = environ[TRACE_KEY] as TraceContext | undefined;
  if (existing) return existing;
  const context = continueTrace(environ.HTTP_TRACEPARENT);
  environ[TRACE_KEY] = context;
  return context;
}
