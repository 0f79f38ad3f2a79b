/**
 * Signed links, after Django's PasswordResetTokenGenerator:
 * `<seconds, base 36>-<HMAC-SHA256>` over what the link is for and the time.
 * So a token is signed (SECRET_KEY), expires after PASSWORD_RESET_TIMEOUT,
 * and is compared in constant time. Nothing is stored.
 *
 * - Password reset: over the user's id, password hash, last login and
 *   email, so setting the password or logging in makes it single-use.
 * - Signup confirmation: over the (normalised) email, with its own salt; it
 *   is single-use because the account it makes then exists, and a link for
 *   an address with an account is refused (views.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { settings } from '../conf/settings.js';
import type { User } from './users.js';

const RESET_SALT = 'tsgate.auth.tokens.PasswordResetTokenGenerator';
const SIGNUP_SALT = 'tsgate.auth.tokens.SignupTokenGenerator';

function sign(salt: string, value: string, secret: string): string {
  return createHmac('sha256', `${salt}:${secret}`).update(value).digest('base64url');
}

function resetValue(user: User, seconds: number): string {
  return `${user.id}|${user.password}|${user.lastLogin?.toISOString() ?? ''}|${seconds}|${user.email}`;
}

function make(salt: string, value: (seconds: number) => string, now: number, secret: string): string {
  const seconds = Math.floor(now / 1000);
  return `${seconds.toString(36)}-${sign(salt, value(seconds), secret)}`;
}

function check(salt: string, value: (seconds: number) => string, token: string, now: number, secret: string, timeout: number): boolean {
  const match = /^([0-9a-z]{1,12})-([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match?.[1] || !match[2]) return false;
  const seconds = parseInt(match[1], 36);
  const expected = Buffer.from(sign(salt, value(seconds), secret));
  const given = Buffer.from(match[2]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
  const age = Math.floor(now / 1000) - seconds;
  return age >= 0 && age <= timeout;
}

export function makeResetToken(user: User, now = Date.now(), secret = settings.SECRET_KEY): string {
  return make(RESET_SALT, (seconds) => resetValue(user, seconds), now, secret);
}

export function checkResetToken(user: User, token: string, now = Date.now(), secret = settings.SECRET_KEY, timeout = settings.PASSWORD_RESET_TIMEOUT): boolean {
  return check(RESET_SALT, (seconds) => resetValue(user, seconds), token, now, secret, timeout);
}

/** The token of a signup confirmation link for `email` (normalised: users.ts normalizeEmail). */
export function makeSignupToken(email: string, now = Date.now(), secret = settings.SECRET_KEY): string {
  return make(SIGNUP_SALT, (seconds) => `${email.toLowerCase()}|${seconds}`, now, secret);
}

export function checkSignupToken(email: string, token: string, now = Date.now(), secret = settings.SECRET_KEY, timeout = settings.PASSWORD_RESET_TIMEOUT): boolean {
  return check(SIGNUP_SALT, (seconds) => `${email.toLowerCase()}|${seconds}`, token, now, secret, timeout);
}

/** The user's id as it goes in a reset link (Django's uidb64). */
export function encodeUid(id: number): string {
  return Buffer.from(String(id)).toString('base64url');
}

export function decodeUid(uid: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,16}$/.test(uid)) return undefined;
  const text = Buffer.from(uid, 'base64url').toString('utf8');
  return /^[1-9]\d{0,14}$/.test(text) ? Number(text) : undefined;
}

/** An email as it goes in a signup confirmation link. */
export function encodeEmail(email: string): string {
  return Buffer.from(email).toString('base64url');
}

export function decodeEmail(encoded: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(encoded)) return undefined;
  const text = Buffer.from(encoded, 'base64url').toString('utf8');
  return text.includes('@') ? text : undefined;
}
