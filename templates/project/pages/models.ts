/**
 * The pages app's tables, described for Kysely so that queries on them are
 * typed, and the queries its views use. The tables themselves are made by
 * the app's migrations (migrations/0001_initial.ts).
 */
import { db } from 'tsgate/db';

export interface VisitTable {
  id: number;
  count: number;
}

declare module 'tsgate/db' {
  interface Database {
    pages_visit: VisitTable;
  }
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
