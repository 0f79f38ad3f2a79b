/**
 * pages.0001_initial, written by makemigrations from pages/models.ts, with
 * the counter's one row added by hand (op.runCode). `manage migrate`
 * applies it; `manage sqlmigrate pages 0001` shows its SQL for your
 * database; `manage migrate pages zero` undoes it.
 */
import { field, op } from 'tsgate/db';

export const operations = [
  op.createModel('pages_visit', {
    id: field.id(),
    count: field.integer({ default: 0 }),
  }),
  op.runCode(
    async (db) => {
      await db.insertInto('pages_visit').values({ id: 1, count: 0 }).execute();
    },
    // Going back, dropping the table removes the row.
    async () => {},
  ),
];
