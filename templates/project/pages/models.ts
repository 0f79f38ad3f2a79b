/**
 * The pages app's tables, declared once: `manage makemigrations` writes the
 * migrations from them (migrations/0001_initial.ts made this one), and the
 * `Database` type that `db` queries use is derived from them, so queries on
 * pages_visit are typed. Below them, the queries the views use.
 */
import { db, field, model, type Tables } from 'tsgate/db';

/** The welcome page's counter: one row. */
export const Visit = model('pages_visit', {
  id: field.id(),
  count: field.integer({ default: 0 }),
});

declare module 'tsgate/db' {
  interface Database extends Tables<[typeof Visit]> {}
}

/** Counts one more view of the welcome page and returns the total: one UPDATE, one SELECT. */
export async function countVisit(): Promise<number> {
  await db
    .updateTable('pages_visit')
    .set((eb) => ({ count: eb('count', '+', 1) }))
    .where('id', '=', 1)
    .execute();
  const row = await db.selectFrom('pages_visit').select('count').where('id', '=', 1).executeTakeFirstOrThrow();
  return Number(row.count);
}
