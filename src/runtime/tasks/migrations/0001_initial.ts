/**
 * tasks.0001_initial: the queue table of the db:// tasks backend
 * (`'tsgate.tasks'` in INSTALLED_APPS, then `manage migrate`). One row per
 * task, kept after it finishes for its result; times are milliseconds
 * since the epoch, so the three databases agree without time zones.
 */
import type { MigrationDb } from '../../db/index.js';

export async function up(db: MigrationDb): Promise<void> {
  await db.schema
    .createTable('tsgate_tasks')
    .addColumn('id', 'varchar(36)', (column) => column.primaryKey())
    .addColumn('name', 'varchar(200)', (column) => column.notNull())
    .addColumn('queue', 'varchar(100)', (column) => column.notNull())
    .addColumn('priority', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('args', 'text', (column) => column.notNull())
    .addColumn('status', 'varchar(10)', (column) => column.notNull())
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (column) => column.notNull().defaultTo(1))
    .addColumn('run_after', 'bigint', (column) => column.notNull())
    .addColumn('enqueued_at', 'bigint', (column) => column.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('locked_until', 'bigint')
    .addColumn('worker', 'varchar(100)')
    .addColumn('result', 'text')
    .addColumn('error', 'text')
    .execute();
  // The claim: READY tasks of a queue, by priority then due time.
  await db.schema.createIndex('tsgate_tasks_ready').on('tsgate_tasks').columns(['status', 'queue', 'priority', 'run_after']).execute();
  // Purging (SUCCESSFUL before a time) and listing FAILED ones; recovery finds the few RUNNING ones by status too.
  await db.schema.createIndex('tsgate_tasks_finished').on('tsgate_tasks').columns(['status', 'finished_at']).execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('tsgate_tasks').execute();
}
