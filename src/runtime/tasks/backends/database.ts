/**
 * `db://ALIAS`: tasks in the `tsgate_tasks` table (tasks.0001_initial) of
 * DATABASES[ALIAS] — no service beyond the database, as Rails' Solid Queue.
 *
 * A claim marks up to N due READY rows RUNNING for one worker, with a lease
 * (`locked_until`), in one step that two workers can never both win:
 * - PostgreSQL: one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)
 *   RETURNING: workers skip each other's rows instead of waiting on them.
 * - MariaDB 10.6+ / MySQL 8: SELECT … FOR UPDATE SKIP LOCKED, then UPDATE,
 *   in one READ COMMITTED transaction (no UPDATE … RETURNING there; READ
 *   COMMITTED takes no gap locks that would block enqueues).
 * - SQLite: one UPDATE … WHERE id IN (SELECT … LIMIT N) RETURNING: a
 *   statement holds the database's write lock from start to end, so it is
 *   atomic across processes (the busy wait of db/sqlite.ts queues writers).
 * A worker renews its leases while it runs; rows whose lease ran out (the
 * worker died) go back to READY in recover().
 */
import { DatabaseError } from '../../db/errors.js';
import { getConnection } from '../../db/connections.js';
import { sql, type Kysely, type RawBuilder, type Selectable } from '../../db/kysely.js';
import type { TaskTable } from '../models.js';
import { LOST_RUNS, type ClaimedTask, type Outcome, type QueueBackend, type TaskRecord, type TaskStatus } from '../types.js';

/** A row as read and written: the model's column types (tasks/models.ts: no interface written twice), the status narrowed. */
type Row = Omit<Selectable<TaskTable>, 'status'> & { status: TaskStatus };

interface Tables {
  tsgate_tasks: Row;
}

/** Deadlock and serialization codes: the statement did nothing and can run again. */
const RETRYABLE = new Set(['40P01', '40001', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);
/** The table is not there: tsgate.tasks is not installed or not migrated. */
const NO_TABLE = /no such table|does not exist|ER_NO_SUCH_TABLE|doesn't exist/i;

const number = (value: number | string | null): number | null => (value === null ? null : Number(value));

function toRecord(row: Row): TaskRecord {
  return {
    id: row.id,
    name: row.name,
    queue: row.queue,
    priority: Number(row.priority),
    args: row.args,
    status: row.status,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    runAfter: Number(row.run_after),
    enqueuedAt: Number(row.enqueued_at),
    startedAt: number(row.started_at),
    finishedAt: number(row.finished_at),
    result: row.result,
    error: row.error,
  };
}

/** Rows in one INSERT at most (16 columns each: well under every driver's parameter limit). */
const INSERT_BATCH = 500;

function toRow(record: TaskRecord): Row {
  return {
    id: record.id,
    name: record.name,
    queue: record.queue,
    priority: record.priority,
    args: record.args,
    status: record.status,
    attempts: record.attempts,
    max_attempts: record.maxAttempts,
    run_after: record.runAfter,
    enqueued_at: record.enqueuedAt,
    started_at: null,
    finished_at: null,
    locked_until: null,
    worker: null,
    result: null,
    error: null,
  };
}

const list = (values: readonly string[]): RawBuilder<unknown> => sql.join(values.map((value) => sql`${value}`));

export class DatabaseQueue implements QueueBackend {
  readonly kind = 'db' as const;

  constructor(
    private readonly alias: string,
    readonly visibility: number,
    readonly poll: number,
  ) {}

  private get connection() {
    return getConnection<Tables>(this.alias);
  }

  private get db(): Kysely<Tables> {
    return this.connection.db;
  }

  /** Runs `work`, again after a deadlock; a missing table becomes a message that says what to do. */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && RETRYABLE.has(code) && attempt < 5) continue;
        if (error instanceof Error && (NO_TABLE.test(error.message) || code === 'ER_NO_SUCH_TABLE') && /tsgate_tasks/.test(error.message)) {
          throw new DatabaseError(`TASKS_URL is db://${this.alias}, but DATABASES['${this.alias}'] has no tsgate_tasks table: add 'tsgate.tasks' to INSTALLED_APPS and run manage migrate`);
        }
        throw error;
      }
    }
  }

  private queueFilter(queues: readonly string[]): RawBuilder<unknown> {
    return queues.length === 0 ? sql`` : sql` and queue in (${list(queues)})`;
  }

  /**
   * Enqueues made in the same turn of the event loop (concurrent requests)
   * share one multi-row INSERT, so one commit (one fsync) serves them all;
   * each caller still waits for its row to be committed. One inside a
   * caller's transaction is inserted there, alone.
   */
  async enqueue(record: TaskRecord, options: { transaction?: unknown } = {}): Promise<void> {
    if (options.transaction !== undefined) {
      await this.guard(() => (options.transaction as Kysely<Tables>).insertInto('tsgate_tasks').values(toRow(record)).execute());
      return;
    }
    await new Promise<void>((resolve, reject) => {
      this.waiting.push({ row: toRow(record), resolve, reject });
      if (this.waiting.length === 1) setImmediate(() => void this.insertWaiting());
    });
  }

  async enqueueOnce(record: TaskRecord): Promise<boolean> {
    const insert = this.db.insertInto('tsgate_tasks').values(toRow(record));
    const result = await this.guard(() =>
      (this.connection.target.backend === 'mysql' ? insert.ignore() : insert.onConflict((conflict) => conflict.column('id').doNothing())).executeTakeFirst(),
    );
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  private waiting: { row: Row; resolve: () => void; reject: (error: unknown) => void }[] = [];

  private async insertWaiting(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, INSERT_BATCH);
      try {
        await this.guard(() => this.db.insertInto('tsgate_tasks').values(batch.map((entry) => entry.row)).execute());
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
  }

  async claim(worker: string, queues: readonly string[], max: number, now: number, leaseUntil: number): Promise<ClaimedTask[]> {
    const backend = this.connection.target.backend;
    const due = sql`status = 'READY' and run_after <= ${now}${this.queueFilter(queues)} order by priority desc, run_after, id limit ${max}`;
    const set = sql`status = 'RUNNING', attempts = attempts + 1, worker = ${worker}, locked_until = ${leaseUntil}, started_at = ${now}`;
    const columns = sql`id, name, queue, args, attempts, max_attempts`;
    const rows = await this.guard(async () => {
      if (backend === 'postgres') {
        const result = await sql<Row>`update tsgate_tasks set ${set} where id in (select id from tsgate_tasks where ${due} for update skip locked) returning ${columns}`.execute(this.db);
        return result.rows;
      }
      if (backend === 'sqlite') {
        const result = await sql<Row>`update tsgate_tasks set ${set} where id in (select id from tsgate_tasks where ${due}) returning ${columns}`.execute(this.db);
        return result.rows;
      }
      return this.db
        .transaction()
        .setIsolationLevel('read committed')
        .execute(async (trx) => {
          const found = (await sql<Row>`select ${columns} from tsgate_tasks where ${due} for update skip locked`.execute(trx)).rows;
          if (found.length === 0) return [];
          await sql`update tsgate_tasks set ${set} where id in (${list(found.map((row) => row.id))})`.execute(trx);
          return found.map((row) => ({ ...row, attempts: Number(row.attempts) + 1 }));
        });
    });
    return rows.map((row) => ({ id: row.id, name: row.name, queue: row.queue, args: row.args, attempts: Number(row.attempts), maxAttempts: Number(row.max_attempts) }));
  }

  async finish(worker: string, outcomes: readonly Outcome[], now: number): Promise<void> {
    const done = outcomes.filter((outcome): outcome is Extract<Outcome, { ok: true }> => outcome.ok);
    if (done.length > 0) {
      // One statement for the batch; most tasks return the same (often nothing), which needs no CASE.
      const results = new Set(done.map((outcome) => outcome.result));
      const result =
        results.size === 1 ? sql`${done[0]?.result ?? 'null'}` : sql`case id ${sql.join(done.map((outcome) => sql`when ${outcome.id} then ${outcome.result}`), sql` `)} end`;
      await this.guard(() =>
        sql`update tsgate_tasks set status = 'SUCCESSFUL', finished_at = ${now}, locked_until = null, result = ${result}
            where worker = ${worker} and status = 'RUNNING' and id in (${list(done.map((outcome) => outcome.id))})`.execute(this.db),
      );
    }
    for (const outcome of outcomes) {
      if (outcome.ok) continue;
      const next =
        outcome.retryAt === null
          ? sql`status = 'FAILED', finished_at = ${now}, worker = null, locked_until = null, error = ${outcome.error}`
          : sql`status = 'READY', run_after = ${outcome.retryAt}, worker = null, locked_until = null, error = ${outcome.error}`;
      await this.guard(() => sql`update tsgate_tasks set ${next} where id = ${outcome.id} and worker = ${worker} and status = 'RUNNING'`.execute(this.db));
    }
  }

  async extend(worker: string, ids: readonly string[], leaseUntil: number): Promise<void> {
    if (ids.length === 0) return;
    await this.guard(() => sql`update tsgate_tasks set locked_until = ${leaseUntil} where worker = ${worker} and status = 'RUNNING' and id in (${list(ids)})`.execute(this.db));
  }

  async release(worker: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.guard(() =>
      sql`update tsgate_tasks set status = 'READY', attempts = attempts - 1, worker = null, locked_until = null
          where worker = ${worker} and status = 'RUNNING' and id in (${list(ids)})`.execute(this.db),
    );
  }

  async recover(now: number): Promise<number> {
    return this.guard(async () => {
      const lost = `WorkerLost: the worker running it stopped (its lease ran out) on ${LOST_RUNS} more runs than it has attempts: a task that kills its worker?`;
      const failed = await sql`update tsgate_tasks set status = 'FAILED', finished_at = ${now}, worker = null, locked_until = null, error = ${lost}
          where status = 'RUNNING' and locked_until < ${now} and attempts >= max_attempts + ${LOST_RUNS}`.execute(this.db);
      const ready = await sql`update tsgate_tasks set status = 'READY', worker = null, locked_until = null
          where status = 'RUNNING' and locked_until < ${now}`.execute(this.db);
      return Number(failed.numAffectedRows ?? 0n) + Number(ready.numAffectedRows ?? 0n);
    });
  }

  async pending(queues: readonly string[], now: number): Promise<number> {
    const result = await this.guard(() =>
      sql<{ n: number | string }>`select count(*) as n from tsgate_tasks where (status = 'RUNNING' or (status = 'READY' and (run_after <= ${now} or attempts > 0)))${this.queueFilter(queues)}`.execute(this.db),
    );
    return Number(result.rows[0]?.n ?? 0);
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const row = await this.guard(() => this.db.selectFrom('tsgate_tasks').selectAll().where('id', '=', id).executeTakeFirst());
    return row ? toRecord(row) : undefined;
  }

  async failed(limit: number): Promise<TaskRecord[]> {
    const rows = await this.guard(() => this.db.selectFrom('tsgate_tasks').selectAll().where('status', '=', 'FAILED').orderBy('finished_at', 'desc').limit(limit).execute());
    return rows.map(toRecord);
  }

  async retry(id: string, now: number): Promise<boolean> {
    const result = await this.guard(() =>
      sql`update tsgate_tasks set status = 'READY', attempts = 0, run_after = ${now}, finished_at = null where id = ${id} and status = 'FAILED'`.execute(this.db),
    );
    return Number(result.numAffectedRows ?? 0n) > 0;
  }

  async purge(before: number): Promise<number> {
    const result = await this.guard(() => sql`delete from tsgate_tasks where status = 'SUCCESSFUL' and finished_at < ${before}`.execute(this.db));
    return Number(result.numAffectedRows ?? 0n);
  }
}
