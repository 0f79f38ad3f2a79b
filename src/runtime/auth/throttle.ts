/**
 * Login throttling: after N failed logins within a window, per account and
 * per client IP, login answers 429 with Retry-After. Two throttles behind one
 * small interface, chosen with `setLoginThrottle()`:
 *
 * - DatabaseLoginThrottle (the default): rows of `auth_login_failure`, a
 *   sliding window (the wait ends when the oldest failure leaves it).
 * - RateLimitLoginThrottle: tsgate/ratelimit's counters in a cache (Redis or
 *   the tsgate_cache table), fixed windows aligned to the clock: one atomic
 *   round trip a failure, shared by every replica using the cache.
 */
import { hit, peek, reset as resetLimit, type Rate } from '../ratelimit/index.js';
import { authDb } from './users.js';

export interface LoginThrottle {
  /** Seconds until a login for these scopes may be tried again, or undefined when it may be now. */
  retryAfter(scopes: readonly ThrottleScope[]): Promise<number | undefined>;
  /** Counts one failed login against every scope. */
  recordFailure(scopes: readonly ThrottleScope[]): Promise<void>;
  /** Forgets the failures of a scope (the account's, after a successful login). */
  reset(scope: ThrottleScope): Promise<void>;
}

/** A key (`account:ann@example.com`, `ip:203.0.113.9`), how many failures it may have, and over how many seconds. */
export interface ThrottleScope {
  key: string;
  limit: number;
  window: number;
}

/** The failures in `auth_login_failure`: one row per failure and scope, pruned as they age out. */
export class DatabaseLoginThrottle implements LoginThrottle {
  constructor(private readonly clock: () => number = Date.now) {}

  async retryAfter(scopes: readonly ThrottleScope[]): Promise<number | undefined> {
    const now = this.clock();
    let wait: number | undefined;
    for (const scope of scopes) {
      const since = now - scope.window * 1000;
      const row = await authDb()
        .selectFrom('auth_login_failure')
        .select((eb) => [eb.fn.countAll<number | string | bigint>().as('failures'), eb.fn.min('at').as('oldest')])
        .where('scope', '=', scope.key)
        .where('at', '>', since)
        .executeTakeFirst();
      if (!row || Number(row.failures) < scope.limit) continue;
      const seconds = Math.max(1, Math.ceil((Number(row.oldest) + scope.window * 1000 - now) / 1000));
      wait = Math.max(wait ?? 0, seconds);
    }
    return wait;
  }

  async recordFailure(scopes: readonly ThrottleScope[]): Promise<void> {
    if (scopes.length === 0) return;
    const now = this.clock();
    await authDb()
      .insertInto('auth_login_failure')
      .values(scopes.map((scope) => ({ scope: scope.key, at: now })))
      .execute();
    // Rows that no longer count go as new ones come, so the table stays the size of the window.
    for (const scope of scopes) {
      await authDb().deleteFrom('auth_login_failure').where('scope', '=', scope.key).where('at', '<=', now - scope.window * 1000).execute();
    }
  }

  async reset(scope: ThrottleScope): Promise<void> {
    await authDb().deleteFrom('auth_login_failure').where('scope', '=', scope.key).execute();
  }
}

/** The failures counted with tsgate/ratelimit in a cache (`CACHES[alias]`, default 'default'). */
export class RateLimitLoginThrottle implements LoginThrottle {
  constructor(private readonly cache?: string) {}

  private options(scope: ThrottleScope): { key: string; rate: Rate; group: string; cache?: string } {
    const rate: Rate = { limit: scope.limit, window: scope.window, text: `${scope.limit}/${scope.window}s` };
    return { key: scope.key, rate, group: 'tsgate.auth.login', ...(this.cache === undefined ? {} : { cache: this.cache }) };
  }

  async retryAfter(scopes: readonly ThrottleScope[]): Promise<number | undefined> {
    let wait: number | undefined;
    for (const scope of scopes) {
      const state = await peek(this.options(scope));
      if (state.limited) wait = Math.max(wait ?? 0, state.reset);
    }
    return wait;
  }

  async recordFailure(scopes: readonly ThrottleScope[]): Promise<void> {
    for (const scope of scopes) await hit(this.options(scope));
  }

  async reset(scope: ThrottleScope): Promise<void> {
    await resetLimit(this.options(scope));
  }
}

let throttle: LoginThrottle = new DatabaseLoginThrottle();

/** The throttle login uses. */
export function loginThrottle(): LoginThrottle {
  return throttle;
}

/** Replaces the throttle (e.g. with one on tsgate's rate limits); returns the previous one. */
export function setLoginThrottle(replacement: LoginThrottle): LoginThrottle {
  const previous = throttle;
  throttle = replacement;
  return previous;
}
