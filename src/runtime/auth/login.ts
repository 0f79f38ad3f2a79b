/**
 * Logging in and out, after django.contrib.auth: `authenticate()` checks an
 * email and password (throttled, and as slow for an unknown email as for a
 * wrong password), `login()` puts the user in the session under a new key,
 * `logout()` deletes the session, `logoutEverywhere()` every session of the
 * user. The session also keeps an HMAC of the password hash: changing the
 * password logs out every other session (Django's session hash).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { settings } from '../conf/settings.js';
import type { Request } from '../http/request.js';
import { deleteUserSessions, SESSION_USER_KEY } from '../middleware/session-db.js';
import { dummyVerify, verifyPassword } from './passwords/hashers.js';
import { MAX_PASSWORD_LENGTH } from './passwords/validators.js';
import { loginThrottle, type ThrottleScope } from './throttle.js';
import { findUserByEmail, normalizeEmail, storeHash, touchLastLogin, User, ANONYMOUS } from './users.js';
import { hashPassword } from './passwords/hashers.js';

export const SESSION_HASH_KEY = '_auth_user_hash';

/** HMAC of the stored password hash, kept in the session; a new password changes it. */
export function sessionHash(user: User, secret = settings.SECRET_KEY): string {
  return createHmac('sha256', `tsgate.auth.session:${secret}`).update(user.password).digest('base64url');
}

export function sessionHashMatches(user: User, stored: unknown): boolean {
  if (typeof stored !== 'string') return false;
  const expected = Buffer.from(sessionHash(user));
  const given = Buffer.from(stored);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The scopes a login attempt counts against: the account and the client's address. */
export function throttleScopes(email: string, request?: Request): ThrottleScope[] {
  const window = settings.LOGIN_FAILURE_WINDOW;
  const account = (normalizeEmail(email) ?? email.trim()).toLowerCase().slice(0, 260);
  const scopes = [{ key: `account:${account}`, limit: settings.LOGIN_FAILURES_PER_ACCOUNT, window }];
  const ip = request?.clientIp;
  if (ip) scopes.push({ key: `ip:${ip}`, limit: settings.LOGIN_FAILURES_PER_IP, window });
  return scopes;
}

export type AuthenticateResult = { user: User } | { user: undefined; retryAfter?: number };

/**
 * The active user with this email and password, or undefined. Throttled
 * per account and client IP (`retryAfter` in seconds once over the limit).
 * An unknown email costs one argon2 verification too, and a stored hash
 * made with old parameters is replaced by a new one.
 */
export async function authenticate(email: string, password: string, request?: Request): Promise<AuthenticateResult> {
  const scopes = throttleScopes(email, request);
  const throttle = loginThrottle();
  const wait = await throttle.retryAfter(scopes);
  if (wait !== undefined) return { user: undefined, retryAfter: wait };
  const user = password.length > MAX_PASSWORD_LENGTH ? undefined : await findUserByEmail(email);
  if (!user) {
    await dummyVerify(password.slice(0, MAX_PASSWORD_LENGTH));
    await throttle.recordFailure(scopes);
    return { user: undefined };
  }
  const { valid, needsRehash } = await verifyPassword(password, user.password);
  if (!valid || !user.isActive) {
    await throttle.recordFailure(scopes);
    return { user: undefined };
  }
  const [account] = scopes;
  if (account) await throttle.reset(account);
  if (needsRehash) await storeHash(user.id, await hashPassword(password));
  return { user: needsRehash ? ((await findUserByEmail(user.email)) ?? user) : user };
}

/** Logs `user` in on this request: a new session key (no fixation), the user in the session, last_login now. */
export async function login(request: Request, user: User): Promise<void> {
  const session = request.session;
  if (!session) throw new Error('login() needs the session middleware in MIDDLEWARE');
  // Another user's session is not carried over to this one.
  const previous = session.get<number>(SESSION_USER_KEY);
  if (previous !== undefined && previous !== user.id) session.flush();
  session.cycleKey();
  session.set(SESSION_USER_KEY, user.id);
  session.set(SESSION_HASH_KEY, sessionHash(user));
  await touchLastLogin(user.id);
  request.user = user;
}

/** Logs out: the session is deleted (SESSION_ENGINE 'db': its cookie is worthless at once) and request.user is anonymous. */
export function logout(request: Request): void {
  request.session?.flush();
  request.user = ANONYMOUS;
}

/** Deletes every session of the user, on every device ("log out everywhere"); returns how many. Needs SESSION_ENGINE 'db'. */
export function logoutEverywhere(user: User): Promise<number> {
  return deleteUserSessions(user.id);
}
