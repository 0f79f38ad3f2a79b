/**
 * The process's tasks backend, from TASKS_URL (conf/tasks-url.ts): made on
 * first use and kept, as database connections are. `useTasksUrl()` swaps it
 * (tests, a worker given --url).
 */
import { settings } from '../conf/settings.js';
import { parseTasksUrl, type TasksTarget } from '../conf/tasks-url.js';
import { DatabaseQueue } from './backends/database.js';
import { RedisQueue } from './backends/redis.js';
import type { QueueBackend } from './types.js';

export type Backend = { kind: 'immediate' } | QueueBackend;

let current: { url: string; backend: Backend } | undefined;
let override: string | undefined;

export function backendFor(target: TasksTarget): Backend {
  switch (target.backend) {
    case 'immediate':
      return { kind: 'immediate' };
    case 'db':
      return new DatabaseQueue(target.alias, target.visibility, target.poll);
    case 'redis':
      return new RedisQueue(target.redis, target.prefix, target.visibility, target.poll, target.results);
  }
}

/** The TASKS_URL in force: useTasksUrl()'s, else the setting's. */
export function tasksUrl(): string {
  return override ?? settings.TASKS_URL;
}

export function tasksBackend(): Backend {
  const url = tasksUrl();
  if (current?.url !== url) current = { url, backend: backendFor(parseTasksUrl(url)) };
  return current.backend;
}

/** Uses `url` instead of TASKS_URL from now on in this process; undefined goes back to the setting. */
export function useTasksUrl(url: string | undefined): void {
  if (url !== undefined) parseTasksUrl(url);
  override = url;
}
