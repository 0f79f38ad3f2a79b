/**
 * `manage worker [--queue Q …] [--concurrency N] [--burst]`: runs the
 * project's background tasks from TASKS_URL (db:// or redis://), found in
 * each installed app's tasks module. Signals as the server's: TERM or INT
 * finish the running tasks (up to --graceful-timeout, then give them back)
 * and exit 0; a second TERM/INT, or QUIT, gives them back at once. A worker
 * killed outright loses nothing: its tasks go to another worker when their
 * lease (TASKS_URL's ?visibility=) runs out.
 */
import { configure } from '../../conf/settings.js';
import { parseTasksUrl, TasksUrlError, type TasksTarget } from '../../conf/tasks-url.js';
import { closeConnections } from '../../db/index.js';
import { redactUrl } from '../../logging/index.js';
import { closeRedis } from '../../redis/index.js';
import { discoverTasks, taskNames, TaskDiscoveryError, tasksBackend, Worker } from '../../tasks/index.js';
import type { QueueBackend } from '../../tasks/types.js';
import { CommandError, flag, stringList, stringOption, type Command, type ParsedArgs } from '../base.js';

function positive(args: ParsedArgs, name: string, fallback: number, integer: boolean): number {
  const text = stringOption(args, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!(value > 0) || (integer && !Number.isInteger(value))) throw new CommandError(`--${name} must be a ${integer ? 'whole number' : 'number'} above 0, got '${text}'`, 2);
  return value;
}

/** TASKS_URL as a queued backend, or a CommandError saying why a worker has nothing to do. */
export function queuedTarget(url: string): Exclude<TasksTarget, { backend: 'immediate' }> {
  let target: TasksTarget;
  try {
    target = parseTasksUrl(url);
  } catch (error) {
    if (error instanceof TasksUrlError) throw new CommandError(`TASKS_URL is not usable: ${error.message}`);
    throw error;
  }
  if (target.backend === 'immediate') {
    throw new CommandError("TASKS_URL is immediate://: each task runs when it is enqueued, so a worker has nothing to do — set TASKS_URL to db://default (add 'tsgate.tasks' to INSTALLED_APPS) or redis://127.0.0.1:6379/0");
  }
  return target;
}

const command: Command = {
  help: "Runs background tasks from TASKS_URL (db:// or redis://), found in each app's tasks module; TERM finishes the running ones and exits.",
  options: {
    queue: { type: 'string', short: 'q', multiple: true, metavar: 'QUEUE', help: 'take tasks from this queue only (repeatable; default: every queue)' },
    concurrency: { type: 'string', short: 'c', metavar: 'N', help: 'tasks run at once in this process (default 10)' },
    burst: { type: 'boolean', help: 'exit 0 once no task is due or running (CI, cron)' },
    'graceful-timeout': { type: 'string', metavar: 'SECONDS', help: 'how long TERM/INT waits for running tasks before giving them back (default 30)' },
  },
  async handle(args) {
    const concurrency = positive(args, 'concurrency', 10, true);
    const gracefulTimeout = positive(args, 'graceful-timeout', 30, false);
    const queues = stringList(args, 'queue');
    const settings = await configure();
    const target = queuedTarget(settings.TASKS_URL);
    try {
      await discoverTasks(settings);
    } catch (error) {
      if (error instanceof TaskDiscoveryError) throw new CommandError(error.message);
      throw error;
    }
    const worker = new Worker(tasksBackend() as QueueBackend, { queues, concurrency, burst: flag(args, 'burst'), gracefulTimeout }, target.results);
    let signals = 0;
    const graceful = () => worker.stop(++signals > 1 ? 'now' : 'graceful');
    const now = () => worker.stop('now');
    process.on('SIGTERM', graceful);
    process.on('SIGINT', graceful);
    process.on('SIGQUIT', now);
    const names = taskNames();
    process.stdout.write(
      `Worker ${worker.id} ready: ${redactUrl(settings.TASKS_URL)}, queues: ${queues.length > 0 ? queues.join(', ') : 'all'}, concurrency ${concurrency}${flag(args, 'burst') ? ', burst' : ''}\n` +
        `  tasks: ${names.length > 0 ? names.join(', ') : "(none — define them in an app's tasks.ts)"}\n`,
    );
    try {
      const code = await worker.run();
      process.stdout.write(`Worker ${worker.id} stopped after ${worker.processed} task(s)\n`);
      // A task given back may still hold timers or sockets: exit anyway (a timer that fires only if something keeps the process alive).
      setTimeout(() => process.exit(code), 200).unref();
      return code;
    } finally {
      process.off('SIGTERM', graceful);
      process.off('SIGINT', graceful);
      process.off('SIGQUIT', now);
      await Promise.allSettled([closeConnections(), closeRedis()]);
    }
  },
};

export default command;
