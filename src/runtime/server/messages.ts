/** The IPC messages between the primary and its workers. */

/** Exit code of a worker that could not load the app or listen (gunicorn's WORKER_BOOT_ERROR). */
export const WORKER_BOOT_ERROR = 3;

/**
 * A stop is two steps, so that a stopping server's listener is closed before
 * its workers end keep-alive connections (whose clients then reconnect): on
 * `stop` a worker stops accepting and answers `closed`, which reaches the
 * primary after node:cluster's own message that removes the worker from the
 * shared listener; on `drain` it answers with `Connection: close` and exits
 * when its connections are gone.
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
export type PrimaryMessage = { tsgate: 'stop' } | { tsgate: 'drain' };

function hasTag(message: unknown): message is { tsgate: unknown } {
  return typeof message === 'object' && message !== null && 'tsgate' in message;
}

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  return hasTag(message) && typeof message.tsgate === 'string' && WORKER_TAGS.has(message.tsgate);
}

export function isPrimaryMessage(message: unknown): message is PrimaryMessage {
  return hasTag(message) && (message.tsgate === 'stop' || message.tsgate === 'drain');
}

export function toPrimary(message: WorkerMessage): void {
  process.send?.(message);
}
