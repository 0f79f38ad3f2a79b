/**
 * `task(name, fn, options)`, after Django 6's @task: a function that runs
 * outside the request, by a worker, when enqueued.
 *
 *     export const sendWelcome = task('accounts.send_welcome', async ({ userId }: { userId: number }) => { … }, { retries: 3 });
 *     const result = await sendWelcome.enqueue({ userId: 7 });
 *     await sendWelcome.enqueue({ userId: 7 }, { runAfter: new Date(Date.now() + 60_000) });
 */
import { randomUUID } from 'node:crypto';
import { immediateRecord, runImmediately } from './backends/immediate.js';
import { tasksBackend } from './backend.js';
import { toJson } from './json.js';
import { findTask, registerTask, TaskDefinitionError, taskNames, type TaskContext, type TaskDefinition } from './registry.js';
import { TaskResult } from './result.js';
import { parseSchedule, ScheduleError, slotId, type Schedule } from './schedule.js';
import type { QueueBackend, TaskRecord } from './types.js';

export interface TaskOptions {
  /** Runs after a failed first one before the task is FAILED for good (default 0). */
  retries?: number;
  /** -100 … 100; higher runs first (default 0). */
  priority?: number;
  /** The queue workers take it from (`manage worker --queue`); default 'default'. */
  queue?: string;
  /** Seconds before the first retry, doubled each time with jitter (default 1). */
  retryDelay?: number;
  /**
   * A cron schedule (`'*\/5 * * * *'`; six fields: seconds first): every
   * worker enqueues the task for each slot, and each slot runs once across
   * all of them. Its arguments: `{ scheduledAt: ISO time of the slot }`.
   */
  schedule?: string;
}

export interface EnqueueOptions {
  /** Not before then (a Date, or seconds from now). */
  runAfter?: Date | number;
  priority?: number;
  queue?: string;
  /**
   * A Kysely transaction (db:// backend): the task is inserted in it, so it
   * is enqueued only if the transaction commits. redis:// refuses it (enqueue
   * after the commit); immediate:// runs the task at once, as always.
   */
  transaction?: unknown;
}

const NAME = /^[A-Za-z_][\w.:-]{0,199}$/;
const QUEUE = /^[\w.:-]{1,100}$/;

function checkPriority(priority: number, where: string): number {
  if (!Number.isInteger(priority) || priority < -100 || priority > 100) throw new TaskDefinitionError(`${where}: priority must be a whole number from -100 to 100, got ${priority}`);
  return priority;
}

function checkQueue(queue: string, where: string): string {
  if (!QUEUE.test(queue)) throw new TaskDefinitionError(`${where}: queue must be 1–100 letters, digits, '_', '.', ':' or '-', got ${JSON.stringify(queue)}`);
  return queue;
}

export class Task<A = unknown, R = unknown> {
  readonly definition: TaskDefinition;

  constructor(name: string, fn: (args: A, context: TaskContext) => R | Promise<R>, options: TaskOptions = {}) {
    if (!NAME.test(name)) throw new TaskDefinitionError(`a task name must start with a letter and hold only letters, digits, '_', '.', ':' or '-' (up to 200), got ${JSON.stringify(name)} — e.g. 'accounts.send_welcome'`);
    if (typeof fn !== 'function') throw new TaskDefinitionError(`task('${name}', fn): fn must be a function`);
    const retries = options.retries ?? 0;
    if (!Number.isInteger(retries) || retries < 0 || retries > 1000) throw new TaskDefinitionError(`task '${name}': retries must be a whole number from 0 to 1000, got ${retries}`);
    const retryDelay = options.retryDelay ?? 1;
    if (!(retryDelay >= 0) || !Number.isFinite(retryDelay)) throw new TaskDefinitionError(`task '${name}': retryDelay must be a number of seconds ≥ 0, got ${retryDelay}`);
    let schedule: Schedule | undefined;
    if (options.schedule !== undefined) {
      try {
        schedule = parseSchedule(options.schedule);
      } catch (error) {
        if (error instanceof ScheduleError) throw new TaskDefinitionError(`task '${name}': ${error.message}`);
        throw error;
      }
    }
    this.definition = {
      ...(schedule ? { schedule } : {}),
      name,
      fn: fn as TaskDefinition['fn'],
      retries,
      retryDelay,
      priority: checkPriority(options.priority ?? 0, `task '${name}'`),
      queue: checkQueue(options.queue ?? 'default', `task '${name}'`),
    };
    registerTask(this.definition);
  }

  get name(): string {
    return this.definition.name;
  }

  /**
   * Queues a run with these arguments (checked as JSON here, not in the
   * worker) and returns its result handle. With TASKS_URL immediate://, the
   * task runs now and the handle is already finished.
   */
  async enqueue(args: A, options: EnqueueOptions = {}): Promise<TaskResult<Awaited<R>>> {
    return enqueueDefinition<Awaited<R>>(this.definition, args, options);
  }

  /** The result handle of a task enqueued earlier, by id; undefined when there is none (or it was purged). */
  async getResult(id: string): Promise<TaskResult<Awaited<R>> | undefined> {
    return getResult<Awaited<R>>(id);
  }
}

async function enqueueDefinition<R>(definition: TaskDefinition, args: unknown, options: EnqueueOptions): Promise<TaskResult<R>> {
  const where = `enqueue '${definition.name}'`;
  const json = toJson(args, `the arguments of '${definition.name}'`);
  const now = Date.now();
  const runAfter = options.runAfter === undefined ? now : options.runAfter instanceof Date ? options.runAfter.getTime() : now + options.runAfter * 1000;
  if (!Number.isFinite(runAfter)) throw new TaskDefinitionError(`${where}: runAfter must be a valid Date or a number of seconds`);
  const record: TaskRecord = {
    id: randomUUID(),
    name: definition.name,
    queue: checkQueue(options.queue ?? definition.queue, where),
    priority: checkPriority(options.priority ?? definition.priority, where),
    args: json,
    status: 'READY',
    attempts: 0,
    maxAttempts: definition.retries + 1,
    runAfter,
    enqueuedAt: now,
    startedAt: null,
    finishedAt: null,
    result: null,
    error: null,
  };
  const backend = tasksBackend();
  if (backend.kind === 'immediate') return new TaskResult<R>(await runImmediately(record), immediateRecord);
  if (options.transaction !== undefined && backend.kind !== 'db') {
    // Redis cannot take part in the database's transaction: enqueuing now would run a task for rows that may roll back.
    throw new TaskDefinitionError(`${where}: { transaction } needs TASKS_URL db:// (the task row is inserted in the transaction); with ${backend.kind}:// enqueue after the transaction has committed`);
  }
  await backend.enqueue(record, { transaction: options.transaction });
  return new TaskResult<R>(record, (id) => backend.get(id));
}

/**
 * Enqueues a scheduled task for one slot under the slot's own id; false
 * when another worker has enqueued that slot already.
 */
export async function enqueueSlot(definition: TaskDefinition, slot: number, backend: QueueBackend): Promise<boolean> {
  return backend.enqueueOnce({
    id: slotId(definition.name, slot),
    name: definition.name,
    queue: definition.queue,
    priority: definition.priority,
    args: JSON.stringify({ scheduledAt: new Date(slot).toISOString() }),
    status: 'READY',
    attempts: 0,
    maxAttempts: definition.retries + 1,
    runAfter: slot,
    enqueuedAt: Date.now(),
    startedAt: null,
    finishedAt: null,
    result: null,
    error: null,
  });
}

/** Enqueues the task registered under `name` (manage tasks enqueue); a TaskDefinitionError when there is none. */
export async function enqueueByName(name: string, args: unknown, options: EnqueueOptions = {}): Promise<TaskResult> {
  const definition = findTask(name);
  if (!definition) {
    const known = taskNames();
    throw new TaskDefinitionError(`no task named '${name}' (${known.length > 0 ? `known: ${known.join(', ')}` : "none is defined: tasks live in an app's tasks.ts"})`);
  }
  return enqueueDefinition(definition, args, options);
}

/** Defines a task (see the module's example). The name must be unique in the project. */
export function task<A = unknown, R = unknown>(name: string, fn: (args: A, context: TaskContext) => R | Promise<R>, options: TaskOptions = {}): Task<A, R> {
  return new Task(name, fn, options);
}

/** Any task's result handle by id, from the TASKS_URL backend. */
export async function getResult<R = unknown>(id: string): Promise<TaskResult<R> | undefined> {
  const backend = tasksBackend();
  const read = backend.kind === 'immediate' ? immediateRecord : (taskId: string) => backend.get(taskId);
  const record = await read(id);
  return record ? new TaskResult<R>(record, read) : undefined;
}
