/**
 * The database session engine (SESSION_ENGINE 'db', Django's `db` backend):
 * the cookie holds only a random key, the data is a row of `auth_session`
 * (made by tsgate.auth's migration). Unlike signed cookies, a session can
 * be revoked: logout deletes its row, "log out everywhere" all of a user's.
 *
 * The row's key is the SHA-256 of the cookie's key, so someone who reads
 * the table (a backup, an SQL injection elsewhere) still cannot log in.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connection } from '../db/index.js';
import type { Kysely } from '../db/kysely.js';
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
  return createHash('sha256').update(key).digest('hex');
}

export function newSessionKey(): string {
  return randomBytes(32).toString('base64url');
}

/** The data of an unexpired session, or undefined. */
export async function loadSession(key: string, now = Date.now()): Promise<Record<string, unknown> | undefined> {
  if (!KEY.test(key)) return undefined;
  const row = await sessions().selectFrom('auth_session').select(['session_data', 'expire_at']).where('session_key', '=', hashKey(key)).executeTakeFirst();
  if (!row || Number(row.expire_at) <= now) return undefined;
  try {
    const data: unknown = JSON.parse(row.session_data);
    return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function userIdOf(data: Record<string, unknown>): number | null {
  const id = data[SESSION_USER_KEY];
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : null;
}

/**
 * Writes the session under `key`: an INSERT for a new key, an UPDATE for an
 * existing one. False when the existing row is gone: deleted while this
 * request ran (a logout, "log out everywhere", a password change elsewhere),
 * and it must stay deleted — writing it again would undo the logout (as
 * Django, which raises SessionInterrupted there).
 */
export async function saveSession(key: string, data: Record<string, unknown>, maxAgeSeconds: number, existing: boolean): Promise<boolean> {
  const row = { session_data: JSON.stringify(data), expire_at: Date.now() + maxAgeSeconds * 1000, user_id: userIdOf(data) };
  const hashed = hashKey(key);
  if (existing) {
    const result = await sessions().updateTable('auth_session').set(row).where('session_key', '=', hashed).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
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
