/**
 * The request span of a sensitive route (a reset link) is exported with its
 * `url.path` masked: the SDK started in this process, exporting over
 * OTLP/HTTP JSON to a local receiver, as OTEL_EXPORTER_OTLP_ENDPOINT makes a
 * worker do (test/metrics/otlp.test.ts covers the rest of tracing).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { createApplication } from '../../src/runtime/http/application.js';
import { text } from '../../src/runtime/http/response.js';
import { path } from '../../src/runtime/http/urls.js';
import { Client } from '../../src/runtime/test/index.js';
import { shutdownTracing, startTracing } from '../../src/runtime/tracing/otel.js';

const TOKEN = 'mdf5s2-Qx7bLr0c1Vd9NwYtJk3Hs8uPzA2eGm4Fo6Ri5TqWx';

let receiver: http.Server | undefined;
afterAll(() => receiver?.close());

it('exports the request span with the token masked in url.path', async () => {
  const bodies: string[] = [];
  let arrived: () => void = () => {};
  const exported = new Promise<void>((resolve) => (arrived = resolve));
  receiver = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      arrived();
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  Object.assign(process.env, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
  try {
    expect(await startTracing(process.env)).toBe(true);
    const app = createApplication([path('reset/<uidb64>/<token>/', () => text('ok'), { name: 'password_reset_confirm', sensitive: ['token'] })]);
    expect((await new Client(app, 'testserver').get(`/reset/MQ/${TOKEN}/`)).status).toBe(200);
    // Shutting down flushes the batch to the receiver.
    await shutdownTracing();
    await exported;
  } finally {
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    delete process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
  }
  const all = bodies.join('\n');
  expect(all).toContain('"key":"url.path","value":{"stringValue":"/reset/MQ/********/"}');
  expect(all).toContain('password_reset_confirm');
  expect(all).not.toContain(TOKEN);
});
