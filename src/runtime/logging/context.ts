/**
 * The request a log line is written for: its `request_id`, `trace_id` and
 * `span_id` go on every line logged while it is served, whoever logs
 * (a view, a middleware, the database layer, the 500 handler).
 *
 * How "while it is served" is followed was picked by measuring. Counted
 * instructions (valgrind --tool=callgrind, steady on a loaded machine) of
 * a request with three async middleware around a view that awaits twice,
 * 64 in flight, per request over 8000 more of them:
 *
 *   node 20.20.2: none 6.9 k; AsyncLocalStorage.run 24.4 k (+17.5 k);
 *                 a variable set around the call 7.9 k (+1.0 k, noise ±1.5 k)
 *   node 24.22.3: none 9.5 k; AsyncLocalStorage.run 13.6 k (+4.1 k);
 *                 a variable set around the call 8.9 k (noise)
 *
 * - Where AsyncLocalStorage is built on AsyncContextFrame (node 24 by
 *   default, 22 with --experimental-async-context-frame: serve passes it to
 *   its workers, workerExecArgv() below) `run()` costs a
 *   fixed few thousand instructions per request, nothing per promise: the
 *   context follows every await, so the project `logger` carries the ids
 *   anywhere in the request.
 * - Before that (node 20; 22 by default) AsyncLocalStorage turns on
 *   async_hooks' promise hooks for the whole process and every promise
 *   pays (above: ~2 k instructions each, 3.5× that small request). There
 *   the context is set synchronously around the application instead: lines
 *   logged before the request's first await carry the ids, and
 *   `request.log`, bound to its request, carries them after any await.
 *   TSGATE_LOG_CONTEXT=async asks for AsyncLocalStorage all the same
 *   (bench/metrics-overhead.js measures it on the welcome page).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** The fields of a request's log lines, made when the first line asks (most requests log nothing). */
export type LogContext = () => Record<string, unknown>;

/**
 * The async_hooks-based AsyncLocalStorage has `_propagate` (its promise
 * hook); the AsyncContextFrame one has not. An internal detail, read once:
 * were it misread, the synchronous fallback below is still correct.
 */
const CHEAP_ASYNC_CONTEXT = !('_propagate' in AsyncLocalStorage.prototype);

/** Which way the context follows a request: `async` (AsyncLocalStorage) or `sync` (around the call only). */
export const LOG_CONTEXT_MODE: 'async' | 'sync' = CHEAP_ASYNC_CONTEXT || process.env.TSGATE_LOG_CONTEXT === 'async' ? 'async' : 'sync';

const storage = LOG_CONTEXT_MODE === 'async' ? new AsyncLocalStorage<LogContext>() : undefined;
let current: LogContext | undefined;

/** Runs `fn` (a request's handling) with `context` as the log lines' context. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  if (storage) return storage.run(context, fn);
  const previous = current;
  current = context;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/** The context of the request being served here, if any. */
export function currentLogContext(): LogContext | undefined {
  return storage ? storage.getStore() : current;
}

/** Node's flag that builds AsyncLocalStorage on AsyncContextFrame: node 22.7+, the default from 24. */
export const ASYNC_CONTEXT_FRAME_FLAG = '--experimental-async-context-frame';

/**
 * The node flags for a server's worker processes: the primary's own, plus
 * the AsyncContextFrame flag where this node has it but not by default
 * (node 22, the generated Dockerfile's), so the project `logger` carries a
 * request's ids after any await there as it does on node 24. Node 20 has
 * no such flag and keeps the synchronous context (above).
 */
export function workerExecArgv(
  execArgv: readonly string[] = process.execArgv,
  cheap: boolean = CHEAP_ASYNC_CONTEXT,
  nodeFlags: ReadonlySet<string> = process.allowedNodeEnvironmentFlags,
): string[] {
  if (cheap || !nodeFlags.has(ASYNC_CONTEXT_FRAME_FLAG) || execArgv.includes(ASYNC_CONTEXT_FRAME_FLAG)) return [...execArgv];
  return [...execArgv, ASYNC_CONTEXT_FRAME_FLAG];
}
