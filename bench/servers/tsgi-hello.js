// @ts-check
/**
 * The tsgate prefork server (`serve()`) with a hello-world TSGI app.
 *
 *   node bench/servers/tsgi-hello.js --port 8000 --workers 2
 *
 * The primary forks workers by re-running this script, so serve() is called
 * at top level in both the primary and each worker. The primary prints
 * `READY` on stdout once every worker listens.
 *
 * TSGATE_DIST=/path/to/dist points it at another compiled runtime (default:
 * build/tsgate/dist), to compare a candidate optimisation against the build.
 */
import { parseArgs } from 'node:util';
import { BODY_TEXT, CONTENT_TYPE } from './body.js';
import { serveApp } from './serve-app.js';

/** @typedef {import('../../src/runtime/tsgi/types.js').Application} Application */

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8000' },
    host: { type: 'string', default: '127.0.0.1' },
    workers: { type: 'string', default: '2' },
  },
});

const BODY = new TextEncoder().encode(BODY_TEXT);

/** @type {Application} */
const application = (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', CONTENT_TYPE]]);
  return [BODY];
};

await serveApp(application, 'bench/servers/tsgi-hello.js:application', { host: values.host, port: Number(values.port), workers: Number(values.workers) });
