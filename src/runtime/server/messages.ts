/** The IPC messages between the primary and its workers. */

/** Exit code of a worker that could not load the app or listen (gunicorn's WORKER_BOOT_ERROR). */
export const WORKER_BOOT_ERROR = 3;

/** Set in a worker's environment by the primary that forked it: its worker id. */
export const WORKER_ENV = 'TSGATE_WORKER_ID';

/**
 * A worker boots and says `ready`; from then on the primary sends it
 * connections, one `connection` message each with the connection attached
 * and the index of the bind it came in on.
 *
 * A stop is two steps, so that a stopping server's sockets are closed before
 * its workers end keep-alive connections (whose clients then reconnect): on
 * `stop` a worker takes the connections already on their way and answers
 * `closed`; once every worker has, the primary closes its sockets and sends
 * `drain`, on which a worker answers with `Connection: close` and exits when
 * its connections are gone.
 */
export type WorkerMessage =
  | { tsgate: 'ready' }
  | { tsgate: 'closed' }
  | { tsgate: 'heartbeat' }
  | { tsgate: 'recycle' }
  | { tsgate: 'boot-error'; text: string };

/** How often a worker tells the primary its event loop is turning. */
export const HEARTBEAT_INTERVAL_MS = 1000;

const WORKER_TAGS = new Set(['ready', 'closed', 'heartbeat', 'recycle', 'boot-error']);
export type PrimaryMessage = { tsgate: 'stop' } | { tsgate: 'drain' } | { tsgate: 'connection'; index: number };

function hasTag(message: unknown): message is { tsgate: unknown } {
  return typeof message === 'object' && message !== null && 'tsgate' in message;
}

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  return hasTag(message) && typeof message.tsgate === 'string' && WORKER_TAGS.has(message.tsgate);
}

export function isPrimaryMessage(message: unknown): message is PrimaryMessage {
  if (!hasTag(message)) return false;
  if (message.tsgate === 'connection') return 'index' in message && typeof message.index === 'number';
  return message.tsgate === 'stop' || message.tsgate === 'drain';
}

export function toPrimary(message: WorkerMessage): void {
  process.send?.(message);
}
