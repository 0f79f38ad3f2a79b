/** The IPC messages between the primary and its workers. */

/** Exit code of a worker that could not load the app or listen (gunicorn's WORKER_BOOT_ERROR). */
export const WORKER_BOOT_ERROR = 3;

export type WorkerMessage = { tsgate: 'ready' } | { tsgate: 'boot-error'; text: string };
export type PrimaryMessage = { tsgate: 'stop' };

function hasTag(message: unknown): message is { tsgate: unknown } {
  return typeof message === 'object' && message !== null && 'tsgate' in message;
}

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  return hasTag(message) && (message.tsgate === 'ready' || message.tsgate === 'boot-error');
}

export function isPrimaryMessage(message: unknown): message is PrimaryMessage {
  return hasTag(message) && message.tsgate === 'stop';
}

export function toPrimary(message: WorkerMessage): void {
  process.send?.(message);
}
