/**
 * What the parts of tsgate/tasks share: a task's stored record, the states
 * of Django 6's TaskResultStatus, and the interface every backend
 * implements (immediate, db, redis).
 */

/**
 * Runs lost with their worker (killed, crashed) that a task gets beyond its
 * attempts: a lost run is not the task's failure, but a task that kills
 * every worker that runs it must stop somewhere.
 */
export const LOST_RUNS = 2;

/** A JSON value: what a task's arguments and return value may be. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Django's TaskResultStatus. */
export type TaskStatus = 'READY' | 'RUNNING' | 'SUCCESSFUL' | 'FAILED';

/** One task as the backends store it (times in ms since the epoch). */
export interface TaskRecord {
  id: string;
  name: string;
  queue: string;
  priority: number;
  /** The arguments, as JSON text. */
  args: string;
  status: TaskStatus;
  /** Runs started so far (a run lost with its worker counts). */
  attempts: number;
  /** Runs allowed in all: retries + 1. */
  maxAttempts: number;
  runAfter: number;
  enqueuedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** The return value as JSON text, once SUCCESSFUL. */
  result: string | null;
  /** The last failure (`Error: message` and the stack), after a failed run. */
  error: string | null;
}

/** A task a worker has claimed: it is RUNNING, leased to that worker. */
export interface ClaimedTask {
  id: string;
  name: string;
  queue: string;
  args: string;
  attempts: number;
  maxAttempts: number;
}

/** A finished run, reported back in batches. */
export type Outcome =
  | { id: string; ok: true; result: string }
  /** `retryAt` set: back to READY then; null: FAILED for good. */
  | { id: string; ok: false; error: string; retryAt: number | null };

export interface QueueBackend {
  readonly kind: 'db' | 'redis';
  /** Seconds a claim lasts without renewal. */
  readonly visibility: number;
  /** Seconds between two looks for work while idle. */
  readonly poll: number;
  enqueue(record: TaskRecord, options?: { transaction?: unknown }): Promise<void>;
  /** Enqueues unless a task with this id exists (a schedule's slot); true when this call enqueued it. */
  enqueueOnce(record: TaskRecord): Promise<boolean>;
  /** Claims up to `max` due tasks of these queues (all queues when empty) for `worker`, leased until `leaseUntil`. */
  claim(worker: string, queues: readonly string[], max: number, now: number, leaseUntil: number): Promise<ClaimedTask[]>;
  /** Records finished runs of `worker`'s tasks. */
  finish(worker: string, outcomes: readonly Outcome[], now: number): Promise<void>;
  /** Renews `worker`'s lease on these tasks. */
  extend(worker: string, ids: readonly string[], leaseUntil: number): Promise<void>;
  /** Gives claimed tasks back unrun (a stopping worker): READY now, the attempt not counted. */
  release(worker: string, ids: readonly string[]): Promise<void>;
  /** Tasks whose lease ran out (their worker died) back to READY, or FAILED when out of attempts; returns how many. */
  recover(now: number): Promise<number>;
  /** RUNNING tasks, READY ones due by `now` and retries due later, of these queues (all when empty): what a --burst worker waits for. */
  pending(queues: readonly string[], now: number): Promise<number>;
  get(id: string): Promise<TaskRecord | undefined>;
  /** FAILED tasks, newest first. */
  failed(limit: number): Promise<TaskRecord[]>;
  /** A FAILED task back to READY with a fresh set of attempts; false when there is no such failed task. */
  retry(id: string, now: number): Promise<boolean>;
  /** Deletes finished tasks that finished before `before`; returns how many. */
  purge(before: number): Promise<number>;
}
