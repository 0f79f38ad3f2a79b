/**
 * The worker's side: it turns the built-in instrumentation on, sends its
 * registry to the primary every few seconds and whenever the primary asks
 * (a scrape), and once more as it exits, so that what it counted outlives it.
 */
import { enableMetrics, metrics } from './default.js';
import { isCollectRequest, type SnapshotMessage } from './ipc.js';
import { registerProcessMetrics } from './process.js';
import { RequestMetrics } from './http.js';

/**
 * How often a worker sends its metrics unasked: what a worker killed
 * without warning (a heartbeat timeout, the OOM killer) can lose at most.
 */
export const PUSH_INTERVAL_MS = 2000;

function send(message: SnapshotMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

export interface WorkerMetrics {
  requests: RequestMetrics;
  /** Sends the final counts; the worker exits after it resolves. */
  flush(): Promise<void>;
}

export function startWorkerMetrics(): WorkerMetrics {
  enableMetrics();
  registerProcessMetrics(metrics);
  const requests = new RequestMetrics(metrics);
  process.on('message', (message) => {
    if (isCollectRequest(message)) void send({ tsgateMetrics: 'snapshot', id: message.id, families: metrics.snapshot() });
  });
  // Unasked and at exit, the counts without re-reading the gauges: a scrape asks for those (above), and an exited worker's gauges are dropped.
  const push = () => send({ tsgateMetrics: 'snapshot', families: metrics.snapshot({ gauges: 'last' }) });
  setInterval(() => void push(), PUSH_INTERVAL_MS).unref();
  return { requests, flush: push };
}
