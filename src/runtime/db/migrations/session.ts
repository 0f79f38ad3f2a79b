/**
 * One `migrate` run holds one connection and a database-wide lock from
 * start to end, so two runs started at once (two containers booting) take
 * turns: the second sees what the first applied and applies nothing twice.
 *
 * - PostgreSQL: a session advisory lock; each migration in a transaction.
 * - MySQL/MariaDB: GET_LOCK; each migration in a transaction, but schema
 *   changes commit at once there, so a failure can leave part of one behind.
 * - SQLite: BEGIN IMMEDIATE holds the write lock for the run (Kysely's own
 *   migrator takes none there); each migration in a savepoint.
 */
import { sql, type Kysely } from '../kysely.js';
import { DatabaseError } from '../errors.js';
import type { Backend } from '../url.js';
import type { MigrationDb } from './types.js';

/** Two 32-bit halves of pg_advisory_lock's key: "tsgate" and "migrate" in ASCII, truncated. */
const PG_LOCK_KEY = [0x74736761, 0x6d696772] as const;
/** How long a run waits for another to finish before giving up, in seconds. */
const LOCK_WAIT_SECONDS = 600;

export interface MigrationSession {
  /** Runs `work` as one unit: all of it applied, or none where the database allows. */
  atomic<T>(work: (db: MigrationDb) => Promise<T>): Promise<T>;
  /** The connection, for reads outside a unit. */
  db: MigrationDb;
}

export interface LockNotice {
  /** Called once if the lock is held by another run and this one waits. */
  waiting(): void;
}

/**
 * Runs `work`, then `cleanUp` whatever happened. A clean-up that fails
 * after `work` failed (the connection dropped, say) does not hide the
 * error that matters: the first one is thrown.
 */
async function withCleanUp<T>(work: () => Promise<T>, cleanUp: () => Promise<unknown>): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await cleanUp().catch(() => undefined);
    throw error;
  }
  await cleanUp();
  return result;
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

async function sqliteSession<T>(conn: MigrationDb, notice: LockNotice, run: (session: MigrationSession) => Promise<T>): Promise<T> {
  // Foreign keys are not enforced during the run (it can only be changed outside a transaction):
  // rebuilding a table drops it, which would otherwise delete or refuse the rows that refer to it.
  // Each rebuild checks the foreign keys itself (operations/sqlite-rebuild.ts).
  const { rows: enforced } = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(conn);
  await sql`pragma foreign_keys = off`.execute(conn);
  const restore = async () => {
    if (enforced[0]?.foreign_keys) await sql`pragma foreign_keys = on`.execute(conn);
  };
  try {
    return await sqliteLocked(conn, notice, run);
  } finally {
    await restore().catch(() => undefined);
  }
}

async function sqliteLocked<T>(conn: MigrationDb, notice: LockNotice, run: (session: MigrationSession) => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_SECONDS * 1000;
  for (let told = false; ; ) {
    try {
      // Waits up to the connection's busy timeout for another writer, then fails with SQLITE_BUSY.
      await sql`begin immediate`.execute(conn);
      break;
    } catch (error) {
      if (!isBusy(error) || Date.now() > deadline) throw error;
      if (!told) notice.waiting();
      told = true;
    }
  }
  let savepoints = 0;
  const session: MigrationSession = {
    db: conn,
    async atomic<R>(work: (db: MigrationDb) => Promise<R>): Promise<R> {
      const name = sql.id(`tsgate_migration_${++savepoints}`);
      await sql`savepoint ${name}`.execute(conn);
      let result: R;
      try {
        result = await work(conn);
      } catch (error) {
        await sql`rollback to savepoint ${name}`
          .execute(conn)
          .then(() => sql`release savepoint ${name}`.execute(conn))
          .catch(() => undefined);
        throw error;
      }
      await sql`release savepoint ${name}`.execute(conn);
      return result;
    },
  };
  // What was applied before a failure stays applied and recorded, as on the other databases.
  return withCleanUp(() => run(session), () => sql`commit`.execute(conn));
}

function transactional(conn: MigrationDb): MigrationSession {
  return { db: conn, atomic: (work) => conn.transaction().execute(work) };
}

async function postgresSession<T>(conn: MigrationDb, notice: LockNotice, run: (session: MigrationSession) => Promise<T>): Promise<T> {
  const [high, low] = PG_LOCK_KEY;
  const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${high}, ${low}) as locked`.execute(conn);
  if (!rows[0]?.locked) {
    notice.waiting();
    await sql`set lock_timeout = ${sql.lit(`${LOCK_WAIT_SECONDS}s`)}`.execute(conn);
    await sql`select pg_advisory_lock(${high}, ${low})`.execute(conn);
    await sql`reset lock_timeout`.execute(conn);
  }
  return withCleanUp(() => run(transactional(conn)), () => sql`select pg_advisory_unlock(${high}, ${low})`.execute(conn));
}

async function mysqlSession<T>(conn: MigrationDb, notice: LockNotice, run: (session: MigrationSession) => Promise<T>): Promise<T> {
  // GET_LOCK is server-wide: the name carries the database's, so two databases on one server do not wait for each other.
  const { rows: names } = await sql<{ name: string }>`select concat('tsgate_migrate:', database()) as name`.execute(conn);
  const name = (names[0]?.name ?? 'tsgate_migrate').slice(0, 64);
  const tryLock = async (seconds: number) => (await sql<{ got: number | null }>`select get_lock(${name}, ${seconds}) as got`.execute(conn)).rows[0]?.got;
  if ((await tryLock(0)) !== 1) {
    notice.waiting();
    if ((await tryLock(LOCK_WAIT_SECONDS)) !== 1) throw new DatabaseError(`Another migrate has held the lock '${name}' for ${LOCK_WAIT_SECONDS} s; giving up.`);
  }
  return withCleanUp(() => run(transactional(conn)), () => sql`select release_lock(${name})`.execute(conn));
}

/** Takes the migration lock on one connection of `db`, runs `run`, and lets go, whatever happens. */
export async function withMigrationLock<T>(db: Kysely<unknown>, backend: Backend, notice: LockNotice, run: (session: MigrationSession) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    const migrationDb = conn as MigrationDb;
    if (backend === 'sqlite') return sqliteSession(migrationDb, notice, run);
    return backend === 'postgres' ? postgresSession(migrationDb, notice, run) : mysqlSession(migrationDb, notice, run);
  });
}

/** Whether a failed migration's schema changes are rolled back with it. */
export function hasTransactionalDdl(backend: Backend): boolean {
  return backend !== 'mysql';
}
