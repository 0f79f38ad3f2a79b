/**
 * The database session engine (SESSION_ENGINE 'db', Django's `db` backend):
 * the cookie holds only a random key, the data is a row of `auth_session`
 * (made by tsgate.auth's migration). Unlike signed cookies, a session can
 * be revoked: logout deletes its row, "log out everywhere" all of a user's.
 *
 * The row's key is the SHA-256 of the cookie's key, so someone who reads
 * the table (a backup, an SQL injection elsewhere) still cannot log in.
 */
import { hash, randomBytes } from 'node:crypto';
import { connection } from '../db/index.js';
import type { CompiledQuery, Compilable, Kysely, Selectable } from '../db/kysely.js';
import type { SessionTable } from './session-model.js';

/** `auth_session`'s row, from its model (session-model.ts: middleware cannot import auth; auth/models.ts re-exports it). */
export type { SessionTable };

interface SessionDatabase {
  auth_session: SessionTable;
}

/** The session key under which tsgate/auth keeps the user's id; the store copies it into `user_id`. */
export const SESSION_USER_KEY = '_auth_user_id';

/** A cookie key: 32 random bytes. Anything else in the cookie is ignored without a query. */
const KEY = /^[A-Za-z0-9_-]{43}$/;

function sessions(): Kysely<SessionDatabase> {
  return connection() as unknown as Kysely<SessionDatabase>;
}

export function hashKey(key: string): string {
  // crypto.hash: one call, no Hash object, for a short input (node ≥ 20.12).
  return hash('sha256', key, 'hex');
}

/**
 * A query compiled once, run with other values: every request loads and
 * saves its session with the same two statements, and building and
 * compiling them with Kysely each time cost more CPU than SQLite took to
 * run them. The query is built with a distinct marker per value; each
 * marker's place among the compiled parameters says where that value
 * goes, whatever the dialect's SQL looks like.
 */
class QueryTemplate {
  readonly #compiled: CompiledQuery;
  readonly #slots: number[];

  constructor(build: (...markers: string[]) => Compilable, markerCount: number) {
    const markers = Array.from({ length: markerCount }, (_, index) => `\u0000tsgate-session-value-${index}\u0000`);
    this.#compiled = build(...markers).compile();
    this.#slots = this.#compiled.parameters.map((parameter) => markers.indexOf(parameter as string));
    if (this.#slots.includes(-1) || new Set(this.#slots).size !== markerCount) throw new Error(`session query has unexpected parameters: ${this.#compiled.sql}`);
  }

  with(values: readonly unknown[]): CompiledQuery {
    return { ...this.#compiled, parameters: this.#slots.map((slot) => values[slot]) };
  }
}

interface SessionQueries {
  load: QueryTemplate;
  update: QueryTemplate;
  /** The data alone: the expiry and the user stay, so only the table's row is written, not the expire_at and user_id index entries. */
  updateData: QueryTemplate;
}

/** By connection (each alias, each test database has its own Kysely): made on first use. */
const templates = new WeakMap<Kysely<SessionDatabase>, SessionQueries>();

function sessionQueries(db: Kysely<SessionDatabase>): SessionQueries {
  let queries = templates.get(db);
  if (queries === undefined) {
    queries = {
      load: new QueryTemplate((key) => db.selectFrom('auth_session').select(['session_data', 'expire_at']).where('session_key', '=', key as string), 1),
      update: new QueryTemplate(
        (data, expireAt, userId, key) =>
          db
            .updateTable('auth_session')
            .set({ session_data: data as string, expire_at: expireAt as string, user_id: userId as unknown as number })
            .where('session_key', '=', key as string),
        4,
      ),
      updateData: new QueryTemplate(
        (data, key) =>
          db
            .updateTable('auth_session')
            .set({ session_data: data as string })
            .where('session_key', '=', key as string),
        2,
      ),
    };
    templates.set(db, queries);
  }
  return queries;
}

export function newSessionKey(): string {
  return randomBytes(32).toString('base64url');
}

/** A session as its row holds it: what saveSession() compares with, to write only what changed. */
export interface StoredSession {
  data: Record<string, unknown>;
  /** `session_data` as read. */
  json: string;
  /** `expire_at`, epoch milliseconds. */
  expireAt: number;
}

/** The row of an unexpired session, or undefined. */
export async function loadStoredSession(key: string, now = Date.now()): Promise<StoredSession | undefined> {
  if (!KEY.test(key)) return undefined;
  const db = sessions();
  const { rows } = await db.executeQuery<Pick<Selectable<SessionTable>, 'session_data' | 'expire_at'>>(sessionQueries(db).load.with([hashKey(key)]));
  const row = rows[0];
  const expireAt = Number(row?.expire_at);
  if (!row || expireAt <= now) return undefined;
  try {
    const data: unknown = JSON.parse(row.session_data);
    return typeof data === 'object' && data !== null && !Array.isArray(data) ? { data: data as Record<string, unknown>, json: row.session_data, expireAt } : undefined;
  } catch {
    return undefined;
  }
}

/** The data of an unexpired session, or undefined. */
export async function loadSession(key: string, now = Date.now()): Promise<Record<string, unknown> | undefined> {
  return (await loadStoredSession(key, now))?.data;
}

function userIdOf(data: Record<string, unknown>): number | null {
  const id = data[SESSION_USER_KEY];
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : null;
}

/**
 * How far a stored session's expiry may lag behind "now + the cookie's age"
 * before a save moves it: a minute, or a tenth of a short age. Moving it on
 * every save rewrote the row's expire_at index entry on every request of a
 * page that changes its session (the welcome page's visit counter): twice
 * the pages written to SQLite's WAL per request. The cookie still gets the
 * full age; the row may end its session that much before the cookie would.
 */
export function expirySlackMs(maxAgeSeconds: number): number {
  return Math.min(60_000, maxAgeSeconds * 100);
}

/**
 * Writes the session under `key`: an INSERT for a new key, an UPDATE for an
 * existing one. False when the existing row is gone: deleted while this
 * request ran (a logout, "log out everywhere", a password change elsewhere),
 * and it must stay deleted — writing it again would undo the logout (as
 * Django, which raises SessionInterrupted there).
 *
 * Given the row as it was loaded (`stored`), only what changed is written:
 * nothing when the data, the user and the expiry (within expirySlackMs) are
 * as stored; the data alone when only it changed.
 */
export async function saveSession(key: string, data: Record<string, unknown>, maxAgeSeconds: number, existing: boolean, stored?: StoredSession): Promise<boolean> {
  const now = Date.now();
  const row = { session_data: JSON.stringify(data), expire_at: now + maxAgeSeconds * 1000, user_id: userIdOf(data) };
  const hashed = hashKey(key);
  if (existing) {
    const db = sessions();
    const queries = sessionQueries(db);
    const keepsExpiry = stored !== undefined && stored.expireAt >= row.expire_at - expirySlackMs(maxAgeSeconds);
    const keepsRest = keepsExpiry && userIdOf(stored.data) === row.user_id;
    if (keepsRest && stored.json === row.session_data) return true;
    const result = await db.executeQuery(
      keepsRest ? queries.updateData.with([row.session_data, hashed]) : queries.update.with([row.session_data, row.expire_at, row.user_id, hashed]),
    );
    return Number(result.numAffectedRows ?? 0) > 0;
  }
  await sessions().insertInto('auth_session').values({ session_key: hashed, ...row }).execute();
  return true;
}

export async function deleteSession(key: string): Promise<void> {
  if (!KEY.test(key)) return;
  await sessions().deleteFrom('auth_session').where('session_key', '=', hashKey(key)).execute();
}

/** Deletes every session of a user ("log out everywhere"); returns how many. */
export async function deleteUserSessions(userId: number): Promise<number> {
  const result = await sessions().deleteFrom('auth_session').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Deletes expired sessions (`manage clearsessions`); returns how many. */
export async function clearExpiredSessions(now = Date.now()): Promise<number> {
  const result = await sessions().deleteFrom('auth_session').where('expire_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
