/**
 * Spans exported with the official OpenTelemetry JS SDK over OTLP/HTTP, when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is
 * set. The SDK is imported then and only then: without the variable nothing
 * is loaded and every hook below is one `undefined` check. The SDK itself
 * honours the standard variables: OTEL_SERVICE_NAME (default: the project's
 * package.json name), OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG),
 * OTEL_EXPORTER_OTLP_HEADERS, OTEL_BSP_* …
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, Span, Tracer } from '@opentelemetry/api';
import { setLogContext } from '../logging/index.js';

export const SDK_PACKAGES = ['@opentelemetry/api', '@opentelemetry/sdk-trace-node', '@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/resources'];

export class TracingError extends Error {
  override name = 'TracingError';
}

export interface Tracing {
  api: typeof import('@opentelemetry/api');
  tracer: Tracer;
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

export function tracing(): Tracing | undefined {
  return active;
}

export function otelConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) && env.OTEL_SDK_DISABLED !== 'true';
}

function projectName(): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

async function load<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new TracingError(`OTEL_EXPORTER_OTLP_ENDPOINT is set, which needs the OpenTelemetry SDK: npm install ${SDK_PACKAGES.join(' ')}`);
  }
}

/** Starts the SDK (once per process) when the environment asks for it; returns whether it did. */
export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (active) return true;
  if (!otelConfigured(env)) return false;
  const api = await load<typeof import('@opentelemetry/api')>('@opentelemetry/api');
  const node = await load<typeof import('@opentelemetry/sdk-trace-node')>('@opentelemetry/sdk-trace-node');
  const { OTLPTraceExporter } = await load<typeof import('@opentelemetry/exporter-trace-otlp-http')>('@opentelemetry/exporter-trace-otlp-http');
  const resources = await load<typeof import('@opentelemetry/resources')>('@opentelemetry/resources');
  const name = projectName();
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes(name ? { 'service.name': name } : {}))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new node.NodeTracerProvider({ resource, spanProcessors: [new node.BatchSpanProcessor(new OTLPTraceExporter())] });
  // The async-local-storage context manager and the W3C traceparent/tracestate propagator.
  provider.register();
  active = { api, tracer: api.trace.getTracer('tsgate'), shutdown: () => provider.shutdown() };
  setLogContext(activeIds);
  return true;
}

/** Sends what is buffered; a worker calls it before it exits. */
export async function shutdownTracing(): Promise<void> {
  await active?.shutdown().catch(() => undefined);
}

/** Runs `fn` in a child span of the active one; with tracing off, just runs it. */
export function inSpan<T>(name: string, attributes: Record<string, string | number>, fn: () => T): T {
  const t = active;
  if (!t) return fn();
  return t.tracer.startActiveSpan(name, { attributes }, (span: Span) => {
    const settle = (error?: unknown) => {
      if (error !== undefined) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: t.api.SpanStatusCode.ERROR });
      }
      span.end();
    };
    try {
      const result = fn();
      if (result instanceof Promise) {
        return result.then(
          (value) => {
            settle();
            return value;
          },
          (error: unknown) => {
            settle(error);
            throw error;
          },
        ) as T;
      }
      settle();
      return result;
    } catch (error) {
      settle(error);
      throw error;
    }
  });
}

/** A span that ended already, under the active one: a database query, timed by Kysely. */
export function recordSpan(name: string, attributes: Record<string, string | number>, durationMs: number, failed: boolean): void {
  const t = active;
  if (!t) return;
  const end = Date.now();
  const span = t.tracer.startSpan(name, { attributes, startTime: end - durationMs });
  if (failed) span.setStatus({ code: t.api.SpanStatusCode.ERROR });
  span.end(end);
}

/** Headers as the W3C propagator reads them, from a TSGI environ. */
const ENVIRON_GETTER = {
  keys: (environ: Record<string, unknown>) => Object.keys(environ).filter((key) => key.startsWith('HTTP_')).map((key) => key.slice(5).toLowerCase().replaceAll('_', '-')),
  get: (environ: Record<string, unknown>, key: string) => {
    const value = environ[`HTTP_${key.toUpperCase().replaceAll('-', '_')}`];
    return typeof value === 'string' ? value : undefined;
  },
};

/** The caller's context from `traceparent` / `tracestate`, for the request's span. */
export function extractContext(environ: Record<string, unknown>): Context | undefined {
  const t = active;
  if (!t) return undefined;
  return t.api.propagation.extract(t.api.ROOT_CONTEXT, environ, ENVIRON_GETTER);
}

/** The active span's trace and span ids, for log lines. */
export function activeIds(): { trace_id: string; span_id: string } | undefined {
  const span = active?.api.trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
