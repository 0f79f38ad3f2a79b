// @ts-check
/**
 * What the benchmark servers on tsgate's `serve()` share: the runtime loaded
 * by path (TSGATE_DIST, default build/tsgate/dist, so type-checking bench/
 * never needs a build), and `serveApp()`, which runs the prefork server with
 * the benchmark settings and prints `READY` once every worker listens.
 * The primary forks its workers by re-running the calling script, so it is
 * called at top level in both.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** @typedef {import('../../src/runtime/server/index.js').ServerOptions} ServerOptions */
/** @typedef {import('../../src/runtime/tsgi/types.js').Application} Application */

export const TSGATE_DIST = process.env.TSGATE_DIST || join(import.meta.dirname, '..', '..', 'build', 'tsgate', 'dist');

/** Imports a module of the compiled runtime, e.g. `runtimeModule('staticfiles')`. @param {string} folder */
export function runtimeModule(folder) {
  return import(pathToFileURL(join(TSGATE_DIST, folder, 'index.js')).href);
}

/**
 * @param {Application} application
 * @param {string} appSpec  for the server's messages
 * @param {{ host: string, port: number, workers: number }} bind
 */
export async function serveApp(application, appSpec, { host, port, workers }) {
  /** @type {{ serve: (options: ServerOptions, appSpec: string, loadApp: () => Promise<Application>) => Promise<number | undefined>, parseBind: (text: string) => import('../../src/runtime/server/index.js').Bind }} */
  const { serve, parseBind } = await runtimeModule('server');
  // METRICS_BIND, as `manage serve` reads it: the metrics benchmark measures the server with its metrics on.
  const metricsBind = process.env.METRICS_BIND ? parseBind(process.env.METRICS_BIND) : undefined;
  /** @type {ServerOptions} */
  const options = {
    binds: [{ host, port }],
    workers,
    keepAlive: 2,
    gracefulTimeout: 10,
    logLevel: 'warning',
    onReady: () => process.stdout.write('READY\n'),
    ...(metricsBind ? { metricsBind } : {}),
  };
  const code = await serve(options, appSpec, async () => application);
  if (code !== undefined) process.exit(code);
}
