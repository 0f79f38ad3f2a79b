/**
 * What tasks.0001_initial (written by hand) made, as an operation, for the
 * project state only: never run. A file of its own so that 0001_initial.ts,
 * and the checksum databases recorded when they applied it, stay as they were.
 */
import { op } from '../../db/migrations/operations/operations.js';
import { field } from '../../db/models/index.js';

export const operations = [
  op.createModel('tsgate_tasks', {
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
  }, { indexes: [['status', 'queue', 'priority', 'run_after'], ['status', 'finished_at']] }),
];
