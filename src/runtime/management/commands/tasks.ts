/**
 * `manage tasks`: background tasks from the command line.
 *
 *   manage tasks                              the tasks defined in the installed apps
 *   manage tasks enqueue NAME ['<json args>'] enqueue one (cron, operations); prints its id
 *   manage tasks show ID                      a task's status, attempts, result or error
 *   manage tasks --failed                     tasks that failed for good, newest first
 *   manage tasks retry ID                     a failed task back to the queue, attempts reset
 */
import { configure } from '../../conf/settings.js';
import { closeConnections } from '../../db/index.js';
import { closeRedis } from '../../redis/index.js';
import { discoverTasks, enqueueByName, getResult, TaskArgumentsError, TaskDefinitionError, TaskDiscoveryError, taskNames, tasksBackend } from '../../tasks/index.js';
import type { QueueBackend, TaskRecord } from '../../tasks/types.js';
import { CommandError, flag, stringOption, type Command, type ParsedArgs } from '../base.js';
import { queuedTarget } from './worker.js';

const time = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '-' : new Date(ms).toISOString());

function describe(record: TaskRecord): string {
  const lines = [
    `${record.id}  ${record.name}  ${record.status}`,
    `  queue ${record.queue}, priority ${record.priority}, attempts ${record.attempts} of ${record.maxAttempts}`,
    `  args ${record.args}`,
    `  enqueued ${time(record.enqueuedAt)}, run after ${time(record.runAfter)}, started ${time(record.startedAt)}, finished ${time(record.finishedAt)}`,
  ];
  if (record.result !== null && record.status === 'SUCCESSFUL') lines.push(`  result ${record.result}`);
  if (record.error) lines.push(`  error ${record.error.split('\n').join('\n        ')}`);
  return lines.join('\n');
}

async function enqueue(args: ParsedArgs, name: string | undefined, json: string | undefined): Promise<number> {
  if (name === undefined) throw new CommandError("tasks enqueue needs a task name: manage tasks enqueue NAME '{\"userId\": 7}'", 2);
  let value: unknown = null;
  if (json !== undefined) {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new CommandError(`the arguments of '${name}' are not JSON: ${(error as Error).message} — quote them for the shell, e.g. '{"userId": 7}'`, 2);
    }
  }
  const delay = stringOption(args, 'run-after');
  const priority = stringOption(args, 'priority');
  if (delay !== undefined && !(Number(delay) >= 0)) throw new CommandError(`--run-after must be a number of seconds ≥ 0, got '${delay}'`, 2);
  try {
    const result = await enqueueByName(name, value, {
      ...(delay !== undefined ? { runAfter: Number(delay) } : {}),
      ...(priority !== undefined ? { priority: Number(priority) } : {}),
      ...(stringOption(args, 'queue') !== undefined ? { queue: stringOption(args, 'queue') } : {}),
    });
    process.stdout.write(`${result.id}\n`);
    if (result.isFinished) process.stdout.write(`  ran at once (TASKS_URL immediate://): ${result.status}${result.error ? ` — ${result.error.split('\n')[0]}` : ''}\n`);
    return 0;
  } catch (error) {
    if (error instanceof TaskDefinitionError || error instanceof TaskArgumentsError) throw new CommandError(error.message);
    throw error;
  }
}

const command: Command = {
  help: "Background tasks: lists them; enqueue NAME '<json>' queues one; show ID; --failed lists the failed ones; retry ID runs a failed one again.",
  args: "[enqueue NAME ['<json args>'] | show ID | retry ID]",
  options: {
    failed: { type: 'boolean', help: 'list the tasks that failed for good, newest first' },
    limit: { type: 'string', metavar: 'N', help: 'at most N tasks with --failed (default 50)' },
    queue: { type: 'string', metavar: 'QUEUE', help: "enqueue: into this queue instead of the task's" },
    priority: { type: 'string', metavar: 'N', help: "enqueue: this priority (-100…100) instead of the task's" },
    'run-after': { type: 'string', metavar: 'SECONDS', help: 'enqueue: not before SECONDS from now' },
  },
  async handle(args) {
    const [action, first, second, extra] = args.positionals;
    const settings = await configure();
    try {
      try {
        await discoverTasks(settings);
      } catch (error) {
        if (error instanceof TaskDiscoveryError) throw new CommandError(error.message);
        throw error;
      }
      if (flag(args, 'failed')) {
        if (action !== undefined) throw new CommandError('--failed takes no other arguments: manage tasks --failed', 2);
        queuedTarget(settings.TASKS_URL);
        const limit = Number(stringOption(args, 'limit') ?? 50);
        if (!Number.isInteger(limit) || limit < 1) throw new CommandError(`--limit must be a whole number above 0, got '${stringOption(args, 'limit')}'`, 2);
        const failed = await (tasksBackend() as QueueBackend).failed(limit);
        process.stdout.write(failed.length === 0 ? 'No failed tasks.\n' : `${failed.map(describe).join('\n')}\n`);
        return 0;
      }
      if (action === undefined) {
        const names = taskNames();
        process.stdout.write(names.length === 0 ? "No tasks defined (define them in an app's tasks.ts).\n" : `${names.join('\n')}\n`);
        return 0;
      }
      if (action === 'enqueue') {
        if (extra !== undefined) throw new CommandError("tasks enqueue takes a name and one JSON argument (quote it): manage tasks enqueue NAME '{\"a\": 1}'", 2);
        return await enqueue(args, first, second);
      }
      if (action === 'show' || action === 'retry') {
        if (first === undefined || second !== undefined) throw new CommandError(`tasks ${action} takes one task id: manage tasks ${action} ID`, 2);
        if (action === 'show') {
          const result = await getResult(first);
          if (!result) throw new CommandError(`no task ${first} (or its result was purged)`);
          const backend = tasksBackend();
          const record = backend.kind === 'immediate' ? undefined : await backend.get(first);
          process.stdout.write(`${record ? describe(record) : `${result.id}  ${result.taskName}  ${result.status}`}\n`);
          return 0;
        }
        queuedTarget(settings.TASKS_URL);
        if (!(await (tasksBackend() as QueueBackend).retry(first, Date.now()))) throw new CommandError(`no failed task ${first} (see manage tasks --failed)`);
        process.stdout.write(`${first} is queued again\n`);
        return 0;
      }
      throw new CommandError(`unknown action '${action}': use enqueue, show or retry (or --failed)`, 2);
    } finally {
      await Promise.allSettled([closeConnections(), closeRedis()]);
    }
  },
};

export default command;
