import type { Schedule } from './schedule.js';

/**
 * Every task defined in this process, by name: `task()` adds to it, the
 * worker looks a claimed task up in it. A worker fills it by importing each
 * installed app's `tasks` module (discover.ts).
 */

/** What a running task is told besides its arguments. */
export interface TaskContext {
  /** The task's id (its result handle's). */
  id: string;
  /** 1 on the first run, 2 on the first retry… */
  attempt: number;
  /** Whether this is the last run allowed (no retry after a failure). */
  lastAttempt: boolean;
}

export interface TaskDefinition {
  readonly name: string;
  readonly fn: (args: never, context: TaskContext) => unknown;
  /** Runs after the first that fail, before the task is FAILED for good. */
  readonly retries: number;
  readonly priority: number;
  readonly queue: string;
  /** Seconds before the first retry; doubled each time (with jitter), at most an hour. */
  readonly retryDelay: number;
  /** A cron schedule the workers enqueue it on, once per slot. */
  readonly schedule?: Schedule;
}

const tasks = new Map<string, TaskDefinition>();

export class TaskDefinitionError extends Error {
  override name = 'TaskDefinitionError';
}

export function registerTask(definition: TaskDefinition): void {
  const existing = tasks.get(definition.name);
  // The same module imported twice (a test re-importing) is not a clash; two functions under one name are.
  if (existing && existing.fn !== definition.fn && existing.fn.toString() !== definition.fn.toString()) {
    throw new TaskDefinitionError(`two tasks are named '${definition.name}': task names must be unique (use 'app.name', e.g. 'accounts.send_welcome')`);
  }
  tasks.set(definition.name, definition);
}

export function findTask(name: string): TaskDefinition | undefined {
  return tasks.get(name);
}

/** The tasks that have a schedule. */
export function scheduledTasks(): TaskDefinition[] {
  return [...tasks.values()].filter((definition) => definition.schedule !== undefined);
}

/** Every task name, sorted. */
export function taskNames(): string[] {
  return [...tasks.keys()].sort();
}
