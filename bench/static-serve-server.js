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
import cluster from 'node:cluster';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BODY_TEXT, CONTENT_TYPE } from './servers/body.js';

/** @typedef {import('../src/runtime/server/index.js').ServerOptions} ServerOptions */
/** @typedef {import('../src/runtime/tsgi/types.js').Application} Application */

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8000' },
    host: { type: 'string', default: '127.0.0.1' },
    workers: { type: 'string', default: '2' },
    root: { type: 'string' },
  },
});
const workers = Number(values.workers);
if (!values.root) throw new Error('--root STATIC_ROOT is required');

const dist = process.env.TSGATE_DIST || join(import.meta.dirname, '..', 'build', 'tsgate', 'dist');
/** @type {{ serve: (options: ServerOptions, appSpec: string, loadApp: () => Promise<Application>) => Promise<number | undefined> }} */
const { serve } = await import(pathToFileURL(join(dist, 'server', 'index.js')).href);
/** @type {{ withProjectStatic: (app: Application, settings: object) => Application }} */
const { withProjectStatic } = await import(pathToFileURL(join(dist, 'staticfiles', 'index.js')).href);

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

if (cluster.isPrimary) {
  let listening = 0;
  cluster.on('listening', () => {
    listening += 1;
    if (listening === workers) process.stdout.write('READY\n');
  });
}

/** @type {ServerOptions} */
const options = {
  binds: [{ host: values.host, port: Number(values.port) }],
  workers,
  keepAlive: 2,
  gracefulTimeout: 10,
  logLevel: 'warning',
};
const code = await serve(options, 'bench/static-serve-server.js:application', async () => application);
if (code !== undefined) process.exit(code);
