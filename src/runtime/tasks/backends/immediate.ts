/**
 * `immediate://`: a task runs when it is enqueued, in the same process, and
 * enqueue returns once it has finished (Django's ImmediateBackend) — for
 * development and tests, where no worker runs. Retries happen at once
 * (no back-off: nothing would run the task later), `runAfter` is not
 * waited for, and results are kept in memory (the last 10 000).
 */
import { runClaimed } from '../run.js';
import type { TaskRecord } from '../types.js';

const KEEP = 10_000;
const records = new Map<string, TaskRecord>();

function keep(record: TaskRecord): void {
  records.set(record.id, record);
  if (records.size > KEEP) records.delete(records.keys().next().value as string);
}

export async function runImmediately(record: TaskRecord): Promise<TaskRecord> {
  keep(record);
  for (;;) {
    record.status = 'RUNNING';
    record.attempts += 1;
    record.startedAt ??= Date.now();
    const outcome = await runClaimed({ id: record.id, name: record.name, queue: record.queue, args: record.args, attempts: record.attempts, maxAttempts: record.maxAttempts });
    if (outcome.ok) {
      Object.assign(record, { status: 'SUCCESSFUL', result: outcome.result, finishedAt: Date.now() });
      return record;
    }
    record.error = outcome.error;
    if (outcome.retryAt === null) {
      Object.assign(record, { status: 'FAILED', finishedAt: Date.now() });
      return record;
    }
  }
}

export async function immediateRecord(id: string): Promise<TaskRecord | undefined> {
  const record = records.get(id);
  return record ? { ...record } : undefined;
}
