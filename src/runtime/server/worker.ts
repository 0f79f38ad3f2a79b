/**
 * A worker process: loads the application, listens on every bind (the
 * primary shares the sockets through node:cluster), serves, and drains when
 * the primary tells it to stop.
 */
import { createServer, type Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { Application } from '../tsgi/types.js';
import { BootError } from './errors.js';
import { createRequestHandler, requestPolicy } from './handler.js';
import { maxHeaderSize } from './limits.js';
import { ErrorLog } from './log.js';
import { HEARTBEAT_INTERVAL_MS, toPrimary, isPrimaryMessage, WORKER_BOOT_ERROR } from './messages.js';
import type { Bind, ServerOptions } from './options.js';

function listen(server: Server, bind: Bind): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if ('path' in bind) server.listen(bind.path, done);
    else server.listen(bind.port, bind.host, done);
  });
}

/** A user's mistake (BootError) is shown as its message; a crash in their code keeps its stack. */
function errorText(error: unknown): string {
  if (error instanceof BootError) return error.message;
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
  const log = new ErrorLog(options.logLevel);
  let app: Application;
  try {
    app = await loadApp();
  } catch (error) {
    toPrimary({ tsgate: 'boot-error', text: errorText(error) });
    process.exit(WORKER_BOOT_ERROR);
  }

  let draining = false;
  const policy = requestPolicy(options);
  const recycle = recycler(options);
  const servers = options.binds.map((bind) => {
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
      createRequestHandler(app, {
        serverPort: 'port' in bind ? String(bind.port) : '',
        multiprocess: options.workers > 1,
        // gunicorn's --keep-alive 0 turns keep-alive off; node's 0 would mean "no timeout".
        closeConnections: () => draining || options.keepAlive === 0,
        onResponse: recycle,
        ...policy,
      }),
    );
    server.keepAliveTimeout = options.keepAlive * 1000;
    return server;
  });
  try {
    await Promise.all(servers.map((server, i) => listen(server, options.binds[i] as Bind)));
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
   * Exits once the servers are closed and the primary said `drain`. The
   * primary may be handing this worker a connection as it leaves the shared
   * listener; that hand-off reaches the worker before `drain` and is sent
   * back to another worker. A worker that exited on close alone would take
   * it down unanswered, and its client would wait forever.
   */
  const exitWhenDone = () => {
    if (closed && draining) process.exit(0);
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
      process.exit(0);
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
    // Sent after node:cluster's own "close" message, so the primary reads it
    // once this worker is out of the shared listener.
    stopAccepting();
    toPrimary({ tsgate: 'closed' });
  });
  process.on('SIGTERM', drain);
  // Ctrl-C reaches the whole process group; the primary decides what happens.
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {});
  process.on('SIGQUIT', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
  startHeartbeat(options);
  toPrimary({ tsgate: 'ready' });
}
