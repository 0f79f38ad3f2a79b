// @ts-check
/**
 * The tsgate prefork server (`serve()`) on a project's application as
 * production builds it: getWsgiApplication() with DEBUG off, whose static
 * layer serves STATIC_ROOT ahead of the middleware (host validation,
 * security headers, sessions, CSRF) and a hello-world URL table.
 * bench/static-serve.js writes the project (settings.mjs, urls.mjs,
 * staticfiles/) and loads one of its collected files.
 *
 *   node bench/static-serve-server.js --port 8000 --workers 2 --project DIR
 *
 * The primary prints `READY` once every worker listens.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { serveApp, TSGATE_DIST } from './servers/serve-app.js';

/** @typedef {import('../src/runtime/tsgi/types.js').Application} Application */

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8000' },
    host: { type: 'string', default: '127.0.0.1' },
    workers: { type: 'string', default: '2' },
    project: { type: 'string' },
  },
});
if (!values.project) throw new Error('--project DIR is required');

/** @type {{ getWsgiApplication: (options: { root: string }) => Promise<Application> }} */
const { getWsgiApplication } = await import(pathToFileURL(join(TSGATE_DIST, 'wsgi.js')).href);
process.env.TSGATE_SETTINGS_MODULE = 'settings';
const application = await getWsgiApplication({ root: values.project });

await serveApp(application, 'bench/static-serve-server.js:application', { host: values.host, port: Number(values.port), workers: Number(values.workers) });
