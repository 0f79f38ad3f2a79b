/**
 * SENTRY_DSN: the workers load @sentry/node and send each unhandled view
 * error once to a local fake DSN endpoint (a node:http server standing in
 * for Sentry's envelope API), with the request id, route, user and trace id,
 * and none of the secrets that were within reach: SECRET_KEY, the password
 * of DATABASE_URL (in the error's message), the Cookie and Authorization
 * headers. Without SENTRY_DSN no worker loads the SDK.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { get } from '../helpers/http.js';
import { serveProject, type ServedProject } from '../http/served-project.js';
import { AUTHORIZATION, COOKIE, DB_PASSWORD, FAILING, SECRET_KEY, serveMetricsProject, SHOP, TRACE } from './project.js';

interface Received {
  path: string;
  body: string;
  events: Record<string, unknown>[];
}

let project: ServedProject | undefined;
let receiver: http.Server | undefined;
afterEach(() => {
  project?.stop();
  receiver?.close();
  project = undefined;
  receiver = undefined;
});

/** A fake Sentry: every envelope POSTed, raw and as its event items. */
async function startFakeSentry(): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      // An envelope: a header line, then item header / item payload pairs.
      const lines = body.split('\n').filter(Boolean);
      const events: Record<string, unknown>[] = [];
      for (let i = 1; i + 1 < lines.length; i += 2) {
        if ((JSON.parse(lines[i] as string) as { type?: string }).type === 'event') events.push(JSON.parse(lines[i + 1] as string) as Record<string, unknown>);
      }
      received.push({ path: req.url ?? '', body, events });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  return { port: (receiver.address() as AddressInfo).port, received };
}

function serve(env: NodeJS.ProcessEnv): Promise<ServedProject> {
  return serveMetricsProject(1, ['--log-level', 'info'], { DATABASE_URL: `postgres://shop:${DB_PASSWORD}@127.0.0.1:5432/shop`, ...env }, FAILING);
}

describe('Sentry', () => {
  it('gets each unhandled view error once, with request id, route, user and trace id, and no secret', async () => {
    const sentry = await startFakeSentry();
    // OpenTelemetry runs too (its spans to the same fake server): Sentry must not take over its setup.
    project = await serve({
      SENTRY_DSN: `http://public@127.0.0.1:${sentry.port}/1`,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sentry.port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    const headers = { Cookie: COOKIE, Authorization: AUTHORIZATION, traceparent: `00-${TRACE}-00f067aa0ba902b7-01` };
    const first = await get(project.port, '/orders/1/', { headers });
    const second = await get(project.port, '/orders/2/', { headers: { ...headers, 'X-Request-ID': 'req-second' } });
    expect(first.status).toBe(500);
    expect(first.body).toContain(`Request id: ${TRACE}`);
    expect(second.status).toBe(500);
    expect((await get(project.port, '/twice/', { headers: { 'X-Request-ID': 'req-twice' } })).status).toBe(500);
    expect((await get(project.port, '/loaded/', { headers })).body).toBe('true');
    // A graceful stop: the worker flushes what Sentry queued before it exits; then everything sent is here.
    project.server.child.kill('SIGTERM');
    await project.server.exited;

    const envelopes = sentry.received.filter((post) => post.path.startsWith('/api/1/envelope/'));
    const events = envelopes.flatMap((envelope) => envelope.events);
    // The request spans still reach OpenTelemetry's exporter, in the caller's trace.
    const traces = sentry.received.filter((post) => post.path === '/v1/traces').map((post) => post.body).join('\n');
    expect(traces).toContain('"GET order"');
    expect(sentry.received.map((post) => post.path.replace(/\?.*/, '')).sort().filter((path, i, all) => all.indexOf(path) === i)).toEqual(['/api/1/envelope/', '/v1/traces']);
    expect(events).toHaveLength(3);
    // Met by the view and again by a middleware: still one event, one log line.
    expect(events.filter((event) => (event.tags as Record<string, string>).request_id === 'req-twice')).toHaveLength(1);
    expect(project.server.output.match(/"request_id":"req-twice"/g)).toHaveLength(1);
    const orderEvents = events.filter((event) => (event.tags as Record<string, string>).route === 'order');
    expect(orderEvents).toHaveLength(2);
    const byRequest = (id: string) => events.filter((event) => (event.tags as Record<string, string>).request_id === id);
    expect(byRequest(TRACE)).toHaveLength(1);
    expect(byRequest('req-second')).toHaveLength(1);
    for (const event of orderEvents) {
      const tags = event.tags as Record<string, string>;
      expect(tags.route).toBe('order');
      expect(tags.trace_id).toBe(TRACE);
      expect((event.contexts as { trace: { trace_id: string } }).trace.trace_id).toBe(TRACE);
      expect(event.user).toEqual({ id: '7', email: 'ada@example.com' });
      const exception = (event.exception as { values: { type: string; value: string }[] }).values[0];
      expect(exception?.type).toBe('Error');
      expect(exception?.value).toMatch(/^cannot connect to postgres:\/\/shop:\*+@127\.0\.0\.1:5432\/shop$/);
    }
    // The envelope's own trace header names the same trace, not one the SDK made up.
    for (const envelope of envelopes.filter((e) => e.events.some((event) => orderEvents.includes(event)))) expect((JSON.parse(envelope.body.split('\n')[0] as string) as { trace?: { trace_id?: string } }).trace?.trace_id).toBe(TRACE);
    expect((orderEvents[0]?.contexts as { request: { headers: Record<string, string> } }).request.headers).toMatchObject({ traceparent: headers.traceparent });
    const all = envelopes.map((envelope) => envelope.body).join('\n');
    for (const secret of [SECRET_KEY, DB_PASSWORD, 'cookie-value-not-for-sentry', 'token-value-not-for-sentry']) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/"cookie"|"authorization"|HTTP_COOKIE|HTTP_AUTHORIZATION/i);
    // The log line, the other reporter, has the same: ids, route, user, and the password masked.
    const line = JSON.parse(/\{[^\n]*"request_id":"req-second"[^\n]*\}/.exec(project.server.output)?.[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({ message: 'Internal Server Error', route: 'order', trace_id: TRACE, user_id: 7, user_email: 'ada@example.com' });
    expect(project.server.output).toContain('cannot connect to postgres://shop:');
    expect(project.server.output).not.toContain(DB_PASSWORD);
  }, 90_000);

  it('names the request\'s trace in the envelope header without OpenTelemetry too', async () => {
    const sentry = await startFakeSentry();
    project = await serve({ SENTRY_DSN: `http://public@127.0.0.1:${sentry.port}/1` });
    expect((await get(project.port, '/orders/3/', { headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` } })).status).toBe(500);
    project.server.child.kill('SIGTERM');
    await project.server.exited;
    expect(sentry.received).toHaveLength(1);
    const [header] = (sentry.received[0]?.body ?? '').split('\n');
    expect((JSON.parse(header ?? '{}') as { trace?: { trace_id?: string } }).trace?.trace_id).toBe(TRACE);
  }, 90_000);

  it('reports and traces under runserver as under serve', async () => {
    const sentry = await startFakeSentry();
    project = await serveProject({
      project: SHOP,
      files: FAILING,
      runserver: true,
      env: {
        DATABASE_URL: `postgres://shop:${DB_PASSWORD}@127.0.0.1:5432/shop`,
        SENTRY_DSN: `http://public@127.0.0.1:${sentry.port}/1`,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sentry.port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      },
    });
    expect((await get(project.port, '/orders/4/', { headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` } })).status).toBe(500);
    expect((await get(project.port, '/loaded/')).body).toBe('true');
    // TERM, as the reloader stops it on a change: the spans and the event are sent before it exits.
    project.server.child.kill('SIGTERM');
    await project.server.exited;
    const events = sentry.received.flatMap((post) => post.events);
    expect(events).toHaveLength(1);
    expect(events[0]?.tags).toMatchObject({ route: 'order', trace_id: TRACE });
    expect(JSON.stringify(events)).not.toContain(DB_PASSWORD);
    const traces = sentry.received.filter((post) => post.path === '/v1/traces').map((post) => post.body).join('\n');
    expect(traces).toContain('"GET order"');
    expect(traces).toContain(TRACE);
  }, 90_000);

  it('is not loaded without SENTRY_DSN', async () => {
    project = await serve({ SENTRY_DSN: '' });
    expect((await get(project.port, '/orders/1/')).status).toBe(500);
    await project.server.waitFor(/"message":"Internal Server Error"/);
    expect((await get(project.port, '/loaded/')).body).toBe('false');
  }, 90_000);
});
