/**
 * OTEL_EXPORTER_OTLP_ENDPOINT: the workers load the OpenTelemetry SDK and
 * export spans over OTLP/HTTP to a local receiver. One request with a
 * caller's traceparent gives the tree caller → request (SERVER) →
 * middleware → view → database query, all in the caller's trace, and the
 * request's JSON log lines carry its trace and span ids.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { get } from '../helpers/http.js';
import { until } from '../helpers/until.js';
import { serveMetricsProject, type MetricsProject } from './project.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER = '00f067aa0ba902b7';

let project: MetricsProject | undefined;
let receiver: http.Server | undefined;
afterEach(() => {
  project?.stop();
  receiver?.close();
  project = undefined;
  receiver = undefined;
});

/** OTLP/HTTP JSON ids are hex; the protobuf-JSON mapping would give base64: both read as hex. */
const hex = (id: string | undefined) => (id === undefined || /^[0-9a-f]*$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex'));

/** A local OTLP/HTTP receiver: every span POSTed to /v1/traces, and the services that sent them. */
async function startReceiver(): Promise<{ port: number; spans: OtlpSpan[]; services: Set<string> }> {
  const spans: OtlpSpan[] = [];
  const services = new Set<string>();
  receiver = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces' && String(req.headers['content-type']).startsWith('application/json')) {
        const data = JSON.parse(body) as { resourceSpans: { resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const resourceSpans of data.resourceSpans) {
          const name = resourceSpans.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
          if (typeof name === 'string') services.add(name);
          for (const scope of resourceSpans.scopeSpans) for (const span of scope.spans) spans.push({ ...span, traceId: hex(span.traceId) as string, spanId: hex(span.spanId) as string, parentSpanId: hex(span.parentSpanId) });
        }
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  return { port: (receiver.address() as AddressInfo).port, spans, services };
}

describe('OTLP export', () => {
  it('exports the request → middleware → view → query tree under the caller\'s span, with the ids in the log lines', async () => {
    const otlp = await startReceiver();
    project = await serveMetricsProject(1, ['--log-level', 'info'], {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlp.port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    const reply = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: project!.port, path: '/db/', headers: { traceparent: `00-${TRACE}-${CALLER}-01` } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    expect(reply).toBe(200);
    await until('the request span arrives', () => otlp.spans.some((span) => span.kind === 2 && span.traceId === TRACE));
    await until('the query span arrives', () => otlp.spans.some((span) => span.name.startsWith('db ')));
    const ours = otlp.spans.filter((span) => span.traceId === TRACE);
    const byName = (prefix: string) => ours.find((span) => span.name.startsWith(prefix));
    const request = byName('GET');
    const middleware = byName('middleware');
    const view = byName('view db');
    const query = byName('db SELECT');
    expect(request?.name).toBe('GET db');
    expect(request?.parentSpanId).toBe(CALLER);
    expect(middleware?.parentSpanId).toBe(request?.spanId);
    expect(view?.parentSpanId).toBe(middleware?.spanId);
    expect(query?.parentSpanId).toBe(view?.spanId);
    expect(query?.attributes.find((a) => a.key === 'db.query.text')?.value.stringValue).toBe('select 41 + 1 as answer');
    expect(otlp.services).toEqual(new Set(['shop']));

    // A 500 in the same trace: its request id is the trace id, its log line has the request span's ids.
    const boom = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: project!.port, path: '/boom/', headers: { traceparent: `00-${TRACE}-${CALLER}-01` } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(boom.status).toBe(500);
    expect(boom.body).toContain(`Request id: ${TRACE}`);
    await project.server.waitFor(/"message":"Internal Server Error"[^\n]*/);
    const line = JSON.parse(/\{[^\n]*"message":"Internal Server Error"[^\n]*\}/.exec(project.server.output)?.[0] ?? '{}') as Record<string, string>;
    expect(line.trace_id).toBe(TRACE);
    await until('the 500 request span arrives', () => otlp.spans.some((span) => span.name === 'GET boom'));
    const failed = otlp.spans.find((span) => span.name === 'GET boom');
    expect(line.span_id).toBe(failed?.spanId);
    expect((await get(project.port, '/')).status).toBe(200);
  }, 90_000);
});
