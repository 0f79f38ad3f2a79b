/**
 * `tsgate/tasks`: background tasks with the shape of Django 6's — define
 * with `task()`, `enqueue()` for a result handle, run by `manage worker`
 * from TASKS_URL's backend (immediate://, db://, redis://). See README.md.
 */
export { task, getResult, enqueueByName, Task, type EnqueueOptions, type TaskOptions } from './task.js';
export { TaskResult, TaskResultError } from './result.js';
export { TaskDefinitionError, findTask, taskNames, type TaskContext } from './registry.js';
export { TaskArgumentsError } from './json.js';
export { tasksBackend, tasksUrl, useTasksUrl } from './backend.js';
export { discoverTasks, TaskDiscoveryError } from './discover.js';
export { Worker, type WorkerOptions } from './worker.js';
export type { Json, TaskStatus, TaskRecord } from './types.js';
