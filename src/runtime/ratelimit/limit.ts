/**
 * Counting requests against a rate: a fixed window per key (the window is
 * the rate's period, aligned to the clock), counted with the cache's atomic
 * `count`, so every worker and replica that shares the cache (Redis, or
 * the database's tsgate_cache table) shares the limit. A window allows at
 * most `limit` requests; across a window's edge a client may get up to
 * twice that in one period, the known price of fixed windows (one counter,
 * one round trip).
 *
 * A cache that cannot be reached lets requests through (fail open) with the
 * cache's warning: an outage of the cache is not an outage of the site.
 */
import { createHash } from 'node:crypto';
import { caches } from '../cache/registry.js';
import { parseRate, type Rate } from './rate.js';

export interface LimitOptions {
  /** Who is counted: a string (e.g. `login:${username}`), as the key functions give. */
  key: string;
  /** `10/m`, `100/h`, `10/5m`: see rate.ts. */
  rate: string | Rate;
  /** Counters of another group are separate; default 'default'. */
  group?: string;
  /** The CACHES alias counted in; default 'default'. */
  cache?: string;
  /** How much this request counts; default 1. */
  cost?: number;
}

export interface RateLimitState {
  /** Over the limit: answer 429. */
  limited: boolean;
  limit: number;
  /** Requests left in this window. */
  remaining: number;
  /** Seconds until the window ends and the count starts again. */
  reset: number;
  /** The rate, as written. */
  rate: string;
  window: number;
}

/**
 * The counter's key: hashed, so no address or user name is kept in the
 * clear and any key fits; the window's length is in it, so two limits on one
 * key (10/s and 1000/h) never count into one counter.
 */
function counterKey(group: string, key: string, rate: Rate, window: number): string {
  const digest = createHash('sha256').update(group).update('\0').update(key).digest('base64url').slice(0, 32);
  return `ratelimit:${digest}:${rate.window}:${window}`;
}

function windowOf(rate: Rate, now: number): { index: number; reset: number } {
  const length = rate.window * 1000;
  const index = Math.floor(now / length);
  return { index, reset: Math.max(1, Math.ceil(((index + 1) * length - now) / 1000)) };
}

/** Counts one request (or `cost`) for `key`, and says whether it is over the limit. */
export async function hit(options: LimitOptions): Promise<RateLimitState> {
  const rate = typeof options.rate === 'string' ? parseRate(options.rate) : options.rate;
  const now = Date.now();
  const window = windowOf(rate, now);
  // The counter outlives its window by a little, so a slow clock elsewhere still finds it.
  const count = await caches
    .get(options.cache)
    .count(counterKey(options.group ?? 'default', options.key, rate, window.index), { ttl: window.reset + 5, delta: options.cost ?? 1 });
  return { limited: count > rate.limit, limit: rate.limit, remaining: Math.max(0, rate.limit - count), reset: window.reset, rate: rate.text, window: rate.window };
}

/** The state of `key` without counting a request (e.g. whether a login form is locked before checking a password). */
export async function peek(options: Omit<LimitOptions, 'cost'>): Promise<RateLimitState> {
  const rate = typeof options.rate === 'string' ? parseRate(options.rate) : options.rate;
  const window = windowOf(rate, Date.now());
  const count = (await caches.get(options.cache).get<number>(counterKey(options.group ?? 'default', options.key, rate, window.index))) ?? 0;
  return { limited: count >= rate.limit, limit: rate.limit, remaining: Math.max(0, rate.limit - count), reset: window.reset, rate: rate.text, window: rate.window };
}

/** Forgets `key`'s count in the current window (e.g. after a successful login). */
export async function reset(options: Omit<LimitOptions, 'cost'>): Promise<void> {
  const rate = typeof options.rate === 'string' ? parseRate(options.rate) : options.rate;
  const window = windowOf(rate, Date.now());
  await caches.get(options.cache).delete(counterKey(options.group ?? 'default', options.key, rate, window.index));
}
