/**
 * W3C traceparent: read, validated and continued; a 500's request id and
 * its log line carry the trace id (the caller's, or a new one), the span
 * and the route.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApplication, path } from '../../src/runtime/http/index.js';
import { logger } from '../../src/runtime/logging/index.js';
import { Client } from '../../src/runtime/test/index.js';
import { continueTrace, formatTraceparent, parseTraceparent } from '../../src/runtime/tracing/index.js';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('parseTraceparent', () => {
  it('reads version 00 and a later version\'s first four fields', () => {
    expect(parseTraceparent(PARENT)).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentId: '00f067aa0ba902b7', flags: 1 });
    expect(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-extra')?.flags).toBe(0);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['00 with an extra field', `${PARENT}-x`],
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['an all-zero span id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['upper-case hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'],
    ['a short trace id', '00-4bf92f35-00f067aa0ba902b7-01'],
    ['an injected line', `${PARENT}\nX-Evil: 1`],
  ])('refuses %s', (_, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });

  it('continues a trace with a new span, or starts a sampled one', () => {
    const continued = continueTrace(PARENT);
    expect(continued.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(continued.parentId).toBe('00f067aa0ba902b7');
    expect(continued.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(continued.spanId).not.toBe('00f067aa0ba902b7');
    const fresh = continueTrace('garbage');
    expect(fresh.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh.parentId).toBeUndefined();
    expect(formatTraceparent(fresh)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });
});

describe('a 500 in production', () => {
  function serve500(headers: Record<string, string>) {
    logger.configure({ level: 'info', json: true });
    let written = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += String(chunk);
      return true;
    });
    const app = createApplication(
      [
        path(
          'orders/<int:id>/',
          () => {
            throw new Error('broken');
          },
          { name: 'order' },
        ),
      ],
      { errors: { debug: false, settings: () => ({}) } },
    );
    return new Client(app).get('/orders/7/', { headers }).then((response) => ({ response, log: JSON.parse(written.trim()) as Record<string, string> }));
  }

  it('uses the caller\'s trace id as its request id, and logs trace, span, parent span and route', async () => {
    const { response, log } = await serve500({ traceparent: PARENT });
    expect(response.text()).toBe('Server Error (500)\nRequest id: 4bf92f3577b34da6a3ce929d0e0e4736\n');
    expect(response.header('x-request-id')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(log).toMatchObject({ request_id: '4bf92f3577b34da6a3ce929d0e0e4736', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', parent_span_id: '00f067aa0ba902b7', route: 'order' });
    expect(log.span_id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('starts a trace when none came in, and keeps a proxy\'s X-Request-ID beside it', async () => {
    const fresh = await serve500({});
    expect(fresh.log.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh.response.text()).toBe(`Server Error (500)\nRequest id: ${fresh.log.trace_id}\n`);
    const proxied = await serve500({ 'X-Request-ID': 'req-9', traceparent: PARENT });
    expect(proxied.response.text()).toContain('Request id: req-9');
    expect(proxied.log).toMatchObject({ request_id: 'req-9', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' });
  });
});

describe('the OpenTelemetry SDK', () => {
  it('is not started (nor imported) without OTEL_EXPORTER_OTLP_ENDPOINT, or with OTEL_SDK_DISABLED=true', async () => {
    const { otelConfigured, startTracing, tracing } = await import('../../src/runtime/tracing/index.js');
    expect(await startTracing({})).toBe(false);
    expect(otelConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(otelConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracing()).toBeUndefined();
  });
});
