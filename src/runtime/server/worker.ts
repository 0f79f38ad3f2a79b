/**
 * A worker process: loads the application, serves the connections the
 * primary sends it, and drains when the primary tells it to stop.
 */
import { createServer, type Server } from 'node:http';
import { Socket } from 'node:net';
import { startWorkerMetrics } from '../metrics/index.js';
import type { Application } from '../tsgi/types.js';
import { BootError } from './errors.js';
import { createRequestHandler, rememberPeer, requestPolicy } from './handler.js';
import { maxHeaderSize } from './limits.js';
import { flushMonitoring, isMonitoringError, startMonitoring } from './monitoring.js';
import { collectWhenIdle } from './idle-gc.js';
import { ErrorLog } from './log.js';
import { HEARTBEAT_INTERVAL_MS, toPrimary, isPrimaryMessage, WORKER_BOOT_ERROR } from './messages.js';
import type { ServerOptions } from './options.js';

/** An accepted connection the primary sent: node's TCP or Pipe handle, which `new Socket({ handle })` takes as it is. */
type ClientHandle = object;

/**
 * A server that never listens: the primary accepts and sends this worker
 * its connections. 'listening' is what starts node:http's checks of
 * --header-timeout and --request-timeout on its connections.
 */
function startTimeoutChecks(server: Server): void {
  server.emit('listening');
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
  for (const server of servers) startTimeoutChecks(server);

  /** Open connections: a stopped worker exits once none is left. */
  const open = new Set<Socket>();
  let closing = false;
  /** Stopped and every connection gone. */
  let closed = false;
  /**
   * Exits once the connections are done and the primary said `drain`: the
   * primary sends it once every worker has stopped taking connections and it
   * has closed its sockets, so no client is left waiting on them.
   */
  const exit = () => {
    // What this worker counted since its last report goes to the primary first.
    void Promise.all([metrics?.flush(), flushMonitoring()]).then(() => process.exit(0));
  };
  const exitWhenDone = () => {
    if (closing && open.size === 0) closed = true;
    if (closed && draining) exit();
  };
  /** Serves a connection the primary accepted on bind `index`, as net.Server would have. */
  const accept = (handle: ClientHandle, index: number) => {
    const server = servers[index];
    if (!server) return;
    const socket = new Socket({ handle, allowHalfOpen: true, readable: true, writable: true } as ConstructorParameters<typeof Socket>[0]);
    // node:http's default for the sockets it accepts: no Nagle delay on small answers.
    socket.setNoDelay(true);
    // REMOTE_ADDR and REMOTE_PORT, read once per connection rather than per request.
    rememberPeer(socket);
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      exitWhenDone();
    });
    server.emit('connection', socket);
  };
  /**
   * Stops taking connections (the primary sends none once it said stop); open
   * ones finish: in-flight and next requests are answered with
   * `Connection: close` once draining, idle keep-alive connections end at
   * their keep-alive timeout. Closing idle connections at once (what
   * http.Server#close does) races with clients mid-send.
   */
  const stopAccepting = () => {
    if (closing) return;
    closing = true;
    exitWhenDone();
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

  process.on('message', (message, handle) => {
    if (!isPrimaryMessage(message)) return;
    if (message.tsgate === 'connection') {
      if (typeof handle === 'object' && handle !== null) accept(handle, message.index);
      return;
    }
    if (message.tsgate === 'drain') return drain();
    if (message.tsgate !== 'stop') return;
    // Every connection sent before the stop has arrived: the channel keeps their order.
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
