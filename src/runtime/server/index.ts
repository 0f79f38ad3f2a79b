import type { Application } from '../tsgi/types.js';
import { Arbiter } from './arbiter.js';
import { WORKER_ENV } from './messages.js';
import type { ServerOptions } from './options.js';
import { runWorker } from './worker.js';

export { AccessLog, compileFormat, DEFAULT_ACCESS_LOG_FORMAT, type AccessEntry, type AccessLogOptions } from './access-log.js';
export { BootError } from './errors.js';
export { createRequestHandler, requestPolicy, type HandlerContext } from './handler.js';
export { checkLimits, DEFAULT_LIMITS, maxHeaderSize, type RequestLimits } from './limits.js';
export { TrustedProxies } from './proxy.js';
export { ErrorLog, LOG_LEVELS, type LogLevel } from './log.js';
export {
  DEFAULT_FORWARDED_ALLOW_IPS,
  OptionError,
  defaultWorkers,
  formatBind,
  nonNegative,
  nonNegativeInt,
  parseBind,
  parseLogLevel,
  positiveInt,
  type Bind,
  type ServerOptions,
} from './options.js';

/** True in a worker the primary forked; false in the primary (and in a process that is not serving). */
export function isServerWorker(): boolean {
  return process.env[WORKER_ENV] !== undefined;
}

/**
 * Runs the prefork server. In the primary this supervises workers and
 * resolves to the exit code when the server stops; in a worker (the same
 * program and arguments, forked by the primary with its worker id in the
 * environment) it loads the app and serves.
 */
export async function serve(
  options: ServerOptions,
  appSpec: string,
  loadApp: () => Promise<Application>,
): Promise<number | undefined> {
  if (!isServerWorker()) return new Arbiter(options, appSpec).run();
  // Not inherited by what the app itself forks.
  delete process.env[WORKER_ENV];
  await runWorker(loadApp, options);
  return undefined;
}
