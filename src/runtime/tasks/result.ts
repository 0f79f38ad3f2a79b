/**
 * The handle `enqueue()` returns, after Django 6's TaskResult: the task's
 * id and, as last read, its status, return value and error. `refresh()`
 * reads it again; `wait()` polls until it has finished.
 */
import type { TaskRecord, TaskStatus } from './types.js';

/** Reads a task's record from wherever it is stored (the backend that enqueued it). */
export type RecordReader = (id: string) => Promise<TaskRecord | undefined>;

export class TaskResultError extends Error {
  override name = 'TaskResultError';
}

export class TaskResult<R = unknown> {
  #record: TaskRecord;

  constructor(
    record: TaskRecord,
    private readonly read: RecordReader,
  ) {
    this.#record = record;
  }

  get id(): string {
    return this.#record.id;
  }
  get taskName(): string {
    return this.#record.name;
  }
  get queue(): string {
    return this.#record.queue;
  }
  get status(): TaskStatus {
    return this.#record.status;
  }
  /** READY or RUNNING: it has not finished yet. */
  get isFinished(): boolean {
    return this.#record.status === 'SUCCESSFUL' || this.#record.status === 'FAILED';
  }
  get attempts(): number {
    return this.#record.attempts;
  }
  get enqueuedAt(): Date {
    return new Date(this.#record.enqueuedAt);
  }
  get startedAt(): Date | undefined {
    return this.#record.startedAt === null ? undefined : new Date(this.#record.startedAt);
  }
  get finishedAt(): Date | undefined {
    return this.#record.finishedAt === null ? undefined : new Date(this.#record.finishedAt);
  }
  /** The last failure's error and stack, once a run has failed (kept while a retry is pending). */
  get error(): string | undefined {
    return this.#record.error ?? undefined;
  }

  /** What the task returned; a TaskResultError while it has not succeeded (Django's return_value). */
  get returnValue(): R {
    if (this.#record.status !== 'SUCCESSFUL') {
      throw new TaskResultError(`task ${this.#record.name} (${this.id}) has no return value: it is ${this.#record.status}${this.#record.error ? ` — ${this.#record.error.split('\n')[0]}` : ''}`);
    }
    return (this.#record.result === null ? undefined : JSON.parse(this.#record.result)) as R;
  }

  /** Reads the task's state again from the backend. */
  async refresh(): Promise<this> {
    const record = await this.read(this.id);
    if (!record) throw new TaskResultError(`task ${this.id} is gone (its result was purged)`);
    this.#record = record;
    return this;
  }

  /** Refreshes until the task has finished (SUCCESSFUL or FAILED), every `interval` ms, for at most `timeout` ms. */
  async wait({ timeout = 30_000, interval = 100 }: { timeout?: number; interval?: number } = {}): Promise<this> {
    const deadline = Date.now() + timeout;
    while (!this.isFinished) {
      if (Date.now() >= deadline) throw new TaskResultError(`task ${this.#record.name} (${this.id}) had not finished after ${timeout / 1000} s: it is ${this.#record.status} — is a worker running (manage worker)?`);
      await new Promise((resolve) => setTimeout(resolve, interval));
      await this.refresh();
    }
    return this;
  }
}
