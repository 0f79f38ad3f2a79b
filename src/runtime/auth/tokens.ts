/**
 * Password reset tokens, after Django's PasswordResetTokenGenerator:
 * `<seconds, base 36>-<HMAC-SHA256>` over the user's id, password hash, last
 * login and the time. So a token is signed (SECRET_KEY), single-use (setting
 * the password or logging in changes what it signs), expires after
 * PASSWORD_RESET_TIMEOUT, and is compared in constant time. Nothing is
 * stored.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { settings } from '../conf/settings.js';
import type { User } from './users.js';

const SALT = 'tsgate.auth.tokens.PasswordResetTokenGenerator';

function signature(user: User, seconds: number, secret: string): string {
  const value = `${user.id}|${user.password}|${user.lastLogin?.toISOString() ?? ''}|${seconds}|${user.email}`;
  return createHmac('sha256', `${SALT}:${secret}`).update(value).digest('base64url');
}

export function makeResetToken(user: User, now = Date.now(), secret = settings.SECRET_KEY): string {
  const seconds = Math.floor(now / 1000);
  return `${seconds.toString(36)}-${signature(user, seconds, secret)}`;
}

export function checkResetToken(user: User, token: string, now = Date.now(), secret = settings.SECRET_KEY, timeout = settings.PASSWORD_RESET_TIMEOUT): boolean {
  const match = /^([0-9a-z]{1,12})-([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match?.[1] || !match[2]) return false;
  const seconds = parseInt(match[1], 36);
  const expected = Buffer.from(signature(user, seconds, secret));
  const given = Buffer.from(match[2]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
  const age = Math.floor(now / 1000) - seconds;
  return age >= 0 && age <= timeout;
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
