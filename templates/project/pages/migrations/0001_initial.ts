/**
 * pages.0001_initial: the table behind the welcome page's counter, with its
 * one row. `manage migrate` applies it; `manage sqlmigrate pages 0001`
 * shows its SQL for your database.
 */
import type { MigrationDb } from 'tsgate/db';

export async function up(db: MigrationDb): Promise<void> {
  await db.schema
    .createTable('pages_visit')
    .addColumn('id', 'integer', (column) => column.primaryKey())
    .addColumn('count', 'integer', (column) => column.notNull().defaultTo(0))
    .execute();
  await db.insertInto('pages_visit').values({ id: 1, count: 0 }).execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('pages_visit').execute();
}
