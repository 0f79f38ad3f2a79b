/**
 * tsgate.tasks' table as a model: `tsgate_tasks`, the queue of the db://
 * tasks backend, made by the hand-written migrations/0001_initial.ts (its
 * state: 0001_initial.state.ts). One row per task, kept after it finishes
 * for its result; times are milliseconds since the epoch, so the three
 * databases agree without time zones. backends/database.ts takes its row
 * type from here.
 */
import { field, model, type Table } from '../db/models/index.js';

export const Task = model(
  'tsgate_tasks',
  {
    id: field.varchar(36, { primaryKey: true }),
    name: field.varchar(200),
    queue: field.varchar(100),
    priority: field.integer({ default: 0 }),
    args: field.text(),
    status: field.varchar(10),
    attempts: field.integer({ default: 0 }),
    max_attempts: field.integer({ default: 1 }),
    run_after: field.bigint(),
    enqueued_at: field.bigint(),
    started_at: field.bigint({ null: true }),
    finished_at: field.bigint({ null: true }),
    locked_until: field.bigint({ null: true }),
    worker: field.varchar(100, { null: true }),
    result: field.text({ null: true }),
    error: field.text({ null: true }),
  },
  {
    indexes: [
      // The claim: READY tasks of a queue, by priority then due time.
      ['status', 'queue', 'priority', 'run_after'],
      // Purging (SUCCESSFUL before a time) and listing FAILED ones.
      ['status', 'finished_at'],
    ],
  },
);

export type TaskTable = Table<typeof Task>;
