/**
 * A worker process: loads the application, listens on every bind (the
 * primary shares the sockets through node:cluster), serves, and drains when
 * the primary tells it to stop.
 */
import { createServer, type Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { Application } from '../tsgi/types.js';
import { createRequestHandler } from './handler.js';
import { ErrorLog } from './log.js';
import { toPrimary, isPrimaryMessage, WORKER_BOOT_ERROR } from './messages.js';
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

function errorText(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
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
  const servers = options.binds.map((bind) => {
    const server = createServer(
      { keepAlive: true },
      createRequestHandler(app, {
        serverPort: 'port' in bind ? String(bind.port) : '',
        multiprocess: options.workers > 1,
        isDraining: () => draining,
      }),
    );
    server.keepAliveTimeout = options.keepAlive * 1000;
    return server;
  });
  try {
    await Promise.all(servers.map((server, i) => listen(server, options.binds[i] as Bind)));
  } catch (error) {
    toPrimary({ tsgate: 'boot-error', text: `cannot listen: ${errorText(error)}` });
    process.exit(WORKER_BOOT_ERROR);
  }

  /**
   * Stops accepting, lets open connections finish: in-flight and next
   * requests are answered with `Connection: close`, idle keep-alive
   * connections end at their keep-alive timeout. Closing idle connections at
   * once (what http.Server#close does) races with clients mid-send.
   */
  const drain = () => {
    if (draining) return;
    draining = true;
    let open = servers.length;
    for (const server of servers) {
      NetServer.prototype.close.call(server, () => {
        open -= 1;
        if (open === 0) process.exit(0);
      });
    }
    setTimeout(() => {
      log.warning('graceful timeout reached with requests in flight; exiting');
      process.exit(0);
    }, options.gracefulTimeout * 1000);
  };

  process.on('message', (message) => {
    if (isPrimaryMessage(message) && message.tsgate === 'stop') drain();
  });
  process.on('SIGTERM', drain);
  // Ctrl-C reaches the whole process group; the primary decides what happens.
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {});
  process.on('SIGQUIT', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
  toPrimary({ tsgate: 'ready' });
}
