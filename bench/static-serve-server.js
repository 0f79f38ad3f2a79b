// @ts-check
/**
 * The tsgate prefork server (`serve()`) with the hello-world TSGI app behind
 * the project's static layer, configured as production serves STATIC_ROOT
 * (`withProjectStatic`, DEBUG off): bench/static-serve.js loads one of its
 * collected files.
 *
 *   node bench/static-serve-server.js --port 8000 --workers 2 --root STATIC_ROOT
 *
 * The primary prints `READY` once every worker listens.
 */
import { parseArgs } from 'node:util';
import { BODY_TEXT, CONTENT_TYPE } from './servers/body.js';
import { runtimeModule, serveApp } from './servers/serve-app.js';

/** @typedef {import('../src/runtime/tsgi/types.js').Application} Application */

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8000' },
    host: { type: 'string', default: '127.0.0.1' },
    workers: { type: 'string', default: '2' },
    root: { type: 'string' },
  },
});
if (!values.root) throw new Error('--root STATIC_ROOT is required');

/** @type {{ withProjectStatic: (app: Application, settings: object) => Application }} */
const { withProjectStatic } = await runtimeModule('staticfiles');

const BODY = new TextEncoder().encode(BODY_TEXT);

/** @type {Application} */
const hello = (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', CONTENT_TYPE]]);
  return [BODY];
};
const application = withProjectStatic(hello, {
  DEBUG: false,
  BASE_DIR: values.root,
  STATIC_URL: '/static/',
  STATIC_ROOT: values.root,
  STATICFILES_DIRS: [],
  INSTALLED_APPS: [],
});

await serveApp(application, 'bench/static-serve-server.js:application', { host: values.host, port: Number(values.port), workers: Number(values.workers) });
