// @ts-check
/**
 * The tsgate prefork server (`serve()`) with a hello-world TSGI app.
 *
 *   node bench/servers/tsgi-hello.js --port 8000 --workers 2
 *
 * node:cluster forks workers by re-running this script, so serve() is called
 * at top level in both the primary and each worker. The primary prints
 * `READY` on stdout once every worker listens.
 *
 * TSGATE_DIST=/path/to/dist points it at another compiled runtime (default:
 * build/tsgate/dist), to compare a candidate optimisation against the build.
 */
import cluster from 'node:cluster';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BODY_TEXT, CONTENT_TYPE } from './body.js';

/** @typedef {import('../../src/runtime/server/index.js').ServerOptions} ServerOptions */
/** @typedef {import('../../src/runtime/tsgi/types.js').Application} Application */

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8000' },
    host: { type: 'string', default: '127.0.0.1' },
    workers: { type: 'string', default: '2' },
  },
});
const workers = Number(values.workers);

// Loaded by path at run time so that type-checking bench/ never depends on a build being present.
const dist = process.env.TSGATE_DIST || join(import.meta.dirname, '..', '..', 'build', 'tsgate', 'dist');
/** @type {{ serve: (options: ServerOptions, appSpec: string, loadApp: () => Promise<Application>) => Promise<number | undefined> }} */
const { serve } = await import(pathToFileURL(join(dist, 'server', 'index.js')).href);

const BODY = new TextEncoder().encode(BODY_TEXT);

/** @type {Application} */
const application = (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', CONTENT_TYPE]]);
  return [BODY];
};

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
const code = await serve(options, 'bench/servers/tsgi-hello.js:application', async () => application);
if (code !== undefined) process.exit(code);
