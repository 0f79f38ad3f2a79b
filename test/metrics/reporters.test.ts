/**
 * `addErrorReporter` from `tsgate/reporting`, the public entry: a project's
 * own reporter (here one that prints each report as a JSON line) gets every
 * unhandled view error once, with request id, route, user and trace id, and
 * none of the secrets within reach: the DATABASE_URL password in the
 * error's message and stack, the Cookie and Authorization headers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getStatus } from '../helpers/http.js';
import { AUTHORIZATION, COOKIE, DB_PASSWORD, FAILING, SECRET_KEY, serveMetricsProject, TRACE, type MetricsProject } from './project.js';

/** The project's wsgi module with a reporter registered beside the log (and Sentry, were it configured). */
const WSGI = `import { getWsgiApplication } from 'tsgate/wsgi';
import { addErrorReporter } from 'tsgate/reporting';
addErrorReporter((report) => {
  const { error, ...rest } = report;
  process.stdout.write('REPORT ' + JSON.stringify({ ...rest, error: { name: error.name, message: error.message, stack: error.stack } }) + '\\n');
});
export const application = await getWsgiApplication({ root: new URL('..', import.meta.url) });
`;

let project: MetricsProject | undefined;
afterEach(() => {
  project?.stop();
  project = undefined;
});

interface Printed {
  requestId: string;
  traceId: string;
  route: string | undefined;
  user: { id: number; email: string } | undefined;
  error: { name: string; message: string; stack: string };
  request: { method: string; path: string; headers: Record<string, string> };
}

describe('addErrorReporter (tsgate/reporting)', () => {
  it('hands a project\'s reporter each unhandled view error once, masked', async () => {
    project = await serveMetricsProject(1, [], { DATABASE_URL: `postgres://shop:${DB_PASSWORD}@127.0.0.1:5432/shop` }, { ...FAILING, 'shop/wsgi.js': WSGI });
    const headers = { Cookie: COOKIE, Authorization: AUTHORIZATION, traceparent: `00-${TRACE}-00f067aa0ba902b7-01` };
    expect(await getStatus(project.port, '/orders/1/', headers)).toBe(500);
    expect(await getStatus(project.port, '/orders/2/', { ...headers, 'X-Request-ID': 'req-second' })).toBe(500);
    // Met by the view and again by a middleware: one report.
    expect(await getStatus(project.port, '/twice/', { 'X-Request-ID': 'req-twice' })).toBe(500);
    expect(await getStatus(project.port, '/', headers)).toBe(200);
    // The reports are written before each 500 goes out; the log line of the last one is the marker.
    await project.server.waitFor(/"request_id":"req-twice"/);
    const printed = [...project.server.output.matchAll(/^REPORT (.*)$/gm)].map((m) => JSON.parse(m[1] as string) as Printed);
    expect(printed.map((report) => report.requestId)).toEqual([TRACE, 'req-second', 'req-twice']);
    const [first, second, twice] = printed as [Printed, Printed, Printed];
    expect(first).toMatchObject({ traceId: TRACE, route: 'order', user: { id: 7, email: 'ada@example.com' }, request: { method: 'GET', path: '/orders/1/' } });
    expect(second.traceId).toBe(TRACE);
    expect(twice.route).toBe('twice');
    expect(first.error.message).toMatch(/^cannot connect to postgres:\/\/shop:\*+@127\.0\.0\.1:5432\/shop$/);
    expect(first.error.stack).toContain('cannot connect to postgres://shop:*');
    expect(first.request.headers.HTTP_TRACEPARENT).toBe(headers.traceparent);
    const all = printed.map((report) => JSON.stringify(report)).join('\n');
    for (const secret of [SECRET_KEY, DB_PASSWORD, 'cookie-value-not-for-sentry', 'token-value-not-for-sentry']) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/HTTP_COOKIE|HTTP_AUTHORIZATION/);
  }, 90_000);
});
