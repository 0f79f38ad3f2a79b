/**
 * Signed values, after django.core.signing: `value.timestamp.signature`,
 * HMAC-SHA256 keyed from SECRET_KEY and a salt per use, so a session cookie
 * cannot be replayed as anything else.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export class BadSignature extends Error {
  override name = 'BadSignature';
}

function signature(secret: string, salt: string, payload: string): string {
  return createHmac('sha256', `${salt}signer${secret}`).update(payload).digest('base64url');
}

export function sign(secret: string, salt: string, value: string, now = Date.now()): string {
  const payload = `${value}.${Math.floor(now / 1000).toString(36)}`;
  return `${payload}.${signature(secret, salt, payload)}`;
}

/** The value, if the signature holds and it is younger than `maxAgeSeconds`. */
export function unsign(secret: string, salt: string, signed: string, maxAgeSeconds: number, now = Date.now()): string {
  const cut = signed.lastIndexOf('.');
  if (cut <= 0) throw new BadSignature('no signature');
  const payload = signed.slice(0, cut);
  const given = Buffer.from(signed.slice(cut + 1));
  const expected = Buffer.from(signature(secret, salt, payload));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new BadSignature('signature does not match');
  const stampAt = payload.lastIndexOf('.');
  const stamp = parseInt(payload.slice(stampAt + 1), 36);
  if (!Number.isFinite(stamp) || now / 1000 - stamp > maxAgeSeconds) throw new BadSignature('signature expired');
  return payload.slice(0, stampAt);
}
