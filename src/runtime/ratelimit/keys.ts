/**
 * Who a request counts against: its client's address (IPv6 by /64, the
 * block one host is usually given, so it cannot rotate through addresses),
 * the signed-in user (the address when nobody is signed in), or a function
 * of the request.
 */
import type { Request } from '../http/request.js';

/** `undefined` from a function: the request is not limited. */
export type KeyFunction = (request: Request) => string | undefined | Promise<string | undefined>;
export type RateLimitKey = 'ip' | 'user' | KeyFunction;

/** The first four groups of an IPv6 address (its /64); other addresses as they are. */
export function addressBlock(address: string): string {
  if (!address.includes(':')) return address;
  const plain = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  // An IPv4-mapped address (::ffff:192.0.2.1) is that IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
  if (mapped) return mapped[1] as string;
  const [head = '', tail] = plain.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((group) => group.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

interface SignedIn {
  user?: { id?: unknown; pk?: unknown; isAuthenticated?: unknown } | null;
}

function ipOf(request: Request): string {
  return `ip:${addressBlock(request.clientIp ?? 'unknown')}`;
}

/** The key `request` counts against; undefined when it is not limited. */
export async function keyOf(key: RateLimitKey, request: Request): Promise<string | undefined> {
  if (key === 'ip') return ipOf(request);
  if (key === 'user') {
    const user = (request as unknown as SignedIn).user;
    const id = user && user.isAuthenticated !== false ? (user.id ?? user.pk) : undefined;
    return id === undefined || id === null ? ipOf(request) : `user:${String(id)}`;
  }
  const value = await key(request);
  return value === undefined ? undefined : `fn:${value}`;
}
