/**
 * A worker process: loads the application, asks the primary for the
 * listening sockets and accepts on them, serves, and drains when the primary
 * tells it to stop.
 */
import { createServer, type Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import { startWorkerMetrics } from '../metrics/index.js';
import type { Application } from '../tsgi/types.js';
import { BootError } from './errors.js';
import { createRequestHandler, requestPolicy } from './handler.js';
import { maxHeaderSize } from './limits.js';
import { flushMonitoring, isMonitoringError, startMonitoring } from './monitoring.js';
import { collectWhenIdle } from './idle-gc.js';
import { ErrorLog } from './log.js';
import { HEARTBEAT_INTERVAL_MS, toPrimary, isPrimaryMessage, WORKER_BOOT_ERROR } from './messages.js';
import type { ServerOptions } from './options.js';

/** A listening socket the primary sent: node's TCP or Pipe handle, which `server.listen()` takes as it is. */
type SocketHandle = object;

/** Asks the primary for its `count` listening sockets; resolves with them in --bind order. */
function receiveListeners(count: number): Promise<SocketHandle[]> {
  return new Promise((resolve) => {
    const handles: SocketHandle[] = [];
    let received = 0;
    const onMessage = (message: unknown, handle: unknown) => {
      if (!isPrimaryMessage(message) || message.tsgate !== 'listener' || typeof handle !== 'object' || handle === null) return;
      handles[message.index] = handle;
      received += 1;
      if (received < count) return;
      process.off('message', onMessage);
      resolve(handles);
    };
    process.on('message', onMessage);
    toPrimary({ tsgate: 'listen' });
  });
}

function listen(server: Server, handle: SocketHandle): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(handle, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A user's mistake (BootError) is shown as its message; a crash in their code keeps its stack. */
function errorText(error: unknown): string {
  if (error instanceof BootError || isMonitoringError(error)) return error.message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/**
 * `--max-requests`: counts responses and asks the primary once for a
 * replacement when this worker's share (with jitter, so workers do not all
 * restart at once) is used up.
 */
function recycler(options: ServerOptions): (() => void) | undefined {
  const max = options.maxRequests ?? 0;
  if (max <= 0) return undefined;
  const limit = max + Math.floor(Math.random() * ((options.maxRequestsJitter ?? 0) + 1));
  let served = 0;
  return () => {
    served += 1;
    if (served === limit) toPrimary({ tsgate: 'recycle' });
  };
}

/** Sends the primary a heartbeat while the event loop turns; a blocked loop falls silent and gets killed. */
function startHeartbeat(options: ServerOptions): void {
  if ((options.timeout ?? 30) <= 0) return;
  setInterval(() => toPrimary({ tsgate: 'heartbeat' }), HEARTBEAT_INTERVAL_MS).unref();
}

export async function runWorker(loadApp: () => Promise<Application>, options: ServerOptions): Promise<void> {
  const log = new ErrorLog(options.logLevel, options.logJson);
  // The primary is gone (killed, crashed): nobody would stop or replace this worker.
  process.on('disconnect', () => process.exit(0));
  // Before the app loads, so that its database connections are instrumented too.
  const metrics = options.metricsBind ? startWorkerMetrics() : undefined;
  let app: Application;
  try {
    // OTEL_EXPORTER_OTLP_ENDPOINT, SENTRY_DSN: their SDKs start before the app, whose database and views they see.
    await startMonitoring();
    app = await loadApp();
  } catch (error) {
    toPrimary({ tsgate: 'boot-error', text: errorText(error) });
    process.exit(WORKER_BOOT_ERROR);
  }

  let draining = false;
  const policy = requestPolicy(options);
  const recycle = recycler(options);
  const servers = options.binds.map((bind) => {
    const handler = createRequestHandler(app, {
      serverPort: 'port' in bind ? String(bind.port) : '',
      multiprocess: options.workers > 1,
      // gunicorn's --keep-alive 0 turns keep-alive off; node's 0 would mean "no timeout".
      closeConnections: () => draining || options.keepAlive === 0,
      onResponse: recycle,
      metrics: metrics?.requests,
      errors: log.errorStream(),
      onDisconnect: (error) => log.debug(`Client disconnected: ${error.message}`),
      ...policy,
    });
    const server = createServer(
      {
        keepAlive: true,
        maxHeaderSize: maxHeaderSize(policy.limits),
        headersTimeout: (options.headerTimeout ?? 60) * 1000,
        requestTimeout: (options.requestTimeout ?? 300) * 1000,
        // node enforces both timeouts only when it checks, every 30 s by
        // default: a 1 s --header-timeout would let a slow client hold its
        // connection for up to 31 s.
        connectionsCheckingInterval: 500,
      },
      handler,
    );
    // `Expect: 100-continue`: a body over the limit gets its 413 before it is sent.
    server.on('checkContinue', (req, res) => handler(req, res, true));
    server.keepAliveTimeout = options.keepAlive * 1000;
    return server;
  });
  try {
    const handles = await receiveListeners(servers.length);
    await Promise.all(servers.map((server, i) => listen(server, handles[i] as SocketHandle)));
  } catch (error) {
    toPrimary({ tsgate: 'boot-error', text: `cannot listen: ${(error as Error).message}` });
    process.exit(WORKER_BOOT_ERROR);
  }

  /**
   * Stops accepting, lets open connections finish: in-flight and next
   * requests are answered with `Connection: close` once draining, idle
   * keep-alive connections end at their keep-alive timeout. Closing idle
   * connections at once (what http.Server#close does) races with clients
   * mid-send.
   */
  let closing = false;
  let closed = false;
  /**
   * Exits once the servers are closed and the primary said `drain`: the
   * primary sends it once every worker has closed its copy of the sockets
   * and it has closed its own, so no client is left in a backlog.
   */
  const exit = () => {
    // What this worker counted since its last report goes to the primary first.
    void Promise.all([metrics?.flush(), flushMonitoring()]).then(() => process.exit(0));
  };
  const exitWhenDone = () => {
    if (closed && draining) exit();
  };
  const stopAccepting = () => {
    if (closing) return;
    closing = true;
    let open = servers.length;
    for (const server of servers) {
      NetServer.prototype.close.call(server, () => {
        open -= 1;
        if (open === 0) {
          closed = true;
          exitWhenDone();
        }
      });
    }
    setTimeout(() => {
      log.warning('graceful timeout reached with requests in flight; exiting');
      exit();
    }, options.gracefulTimeout * 1000);
  };
  const drain = () => {
    stopAccepting();
    draining = true;
    exitWhenDone();
  };

  process.on('message', (message) => {
    if (!isPrimaryMessage(message)) return;
    if (message.tsgate === 'drain') return drain();
    if (message.tsgate !== 'stop') return;
    // close() has closed this worker's copies of the sockets by now.
    stopAccepting();
    toPrimary({ tsgate: 'closed' });
  });
  process.on('SIGTERM', drain);
  // Ctrl-C reaches the whole process group; the primary decides what happens.
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {});
  process.on('SIGQUIT', () => process.exit(0));
  startHeartbeat(options);
  collectWhenIdle();
  toPrimary({ tsgate: 'ready' });
}
