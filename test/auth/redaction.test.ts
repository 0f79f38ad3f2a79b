/**
 * A route's sensitive values (a reset link's token) stay out of every place
 * a request's path is shown, in-process: the request log, the error log,
 * the error reporters' report, the DEBUG 500 and 404 pages, a 405, and the
 * masking itself (urls.ts). The access log and the whole reset flow through
 * a real serve are in serve.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Http404 } from '../../src/runtime/http/exceptions.js';
import { createApplication } from '../../src/runtime/http/application.js';
import { text } from '../../src/runtime/http/response.js';
import { include, maskedPathInfo, path } from '../../src/runtime/http/urls.js';
import { LOGGED_PATH_KEY, loggedTarget, logger } from '../../src/runtime/logging/index.js';
import { requestLoggingMiddleware } from '../../src/runtime/middleware/logging.js';
import { addErrorReporter, type ErrorReport } from '../../src/runtime/reporting/index.js';
import { Client } from '../../src/runtime/test/index.js';

const TOKEN = 'mdf5s2-Qx7bLr0c1Vd9NwYtJk3Hs8uPzA2eGm4Fo6Ri5TqWx';

const routes = [
  path(
    'accounts/',
    include([
      path('reset/<uidb64>/<token>/', (request) => {
        if (request.query.has('boom')) throw new Error('the view failed');
        if (request.query.has('missing')) throw new Http404('no such user');
        return text('ok');
      }, { name: 'reset', methods: ['GET', 'POST'], sensitive: ['token'] }),
    ]),
  ),
];

describe('sensitive route values', () => {
  let written = '';
  beforeEach(() => {
    written = '';
    logger.configure({ level: 'debug', json: true });
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written += String(chunk);
        return true;
      });
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
    logger.configure({ level: 'info', json: false });
  });

  it('masks the named values only, through include()', () => {
    const route = routes.flat()[0]!;
    expect(route.sensitive).toEqual(['token']);
    expect(maskedPathInfo(route, `/accounts/reset/MQ/${TOKEN}/`, '***')).toBe('/accounts/reset/MQ/***/');
    expect(() => path('x/<id>/', () => text(''), { sensitive: ['token'] })).toThrow(/not one of its parameters/);
    expect(loggedTarget({ PATH_INFO: '/a/secret/', SCRIPT_NAME: '', [LOGGED_PATH_KEY]: '/a/***/' }, '/a/secret/?x=1')).toBe('/a/***/?x=1');
    expect(loggedTarget({ PATH_INFO: '/a/b/', SCRIPT_NAME: '' }, '/a/b/?x=1')).toBe('/a/b/?x=1');
  });

  it('the request log, the error log, the report and the DEBUG 500 page show the path masked', async () => {
    const reports: ErrorReport[] = [];
    const remove = addErrorReporter((report) => void reports.push(report));
    try {
      const app = createApplication(routes, { debug: true, middleware: [requestLoggingMiddleware], errors: { debug: true, settings: () => ({}) } });
      const client = new Client(app, 'testserver');
      const ok = await client.get(`/accounts/reset/MQ/${TOKEN}/`);
      expect(ok.status).toBe(200);
      const failed = await client.get(`/accounts/reset/MQ/${TOKEN}/?boom=1`);
      expect(failed.status).toBe(500);
      expect(failed.text()).toContain('Error at /accounts/reset/MQ/********/');
      expect(failed.text()).not.toContain(TOKEN);
      const missing = await client.get(`/accounts/reset/MQ/${TOKEN}/?missing=1`);
      expect(missing.status).toBe(404);
      expect(missing.text()).toContain('/accounts/reset/MQ/********/');
      expect(missing.text()).not.toContain(TOKEN);
      const refused = await client.request('DELETE', `/accounts/reset/MQ/${TOKEN}/`);
      expect(refused.status).toBe(405);
    } finally {
      remove();
    }
    expect(written).toContain('"path":"/accounts/reset/MQ/********/"');
    expect(written).toContain('Internal Server Error');
    expect(written).toContain('DELETE /accounts/reset/MQ/********/ 405');
    expect(written).not.toContain(TOKEN);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.request.path).toBe('/accounts/reset/MQ/********/');
    expect(JSON.stringify(reports)).not.toContain(TOKEN);
  });
});
