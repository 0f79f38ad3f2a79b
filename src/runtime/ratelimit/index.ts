/**
 * tsgate/ratelimit: limits on how often a client may call a view, counted in
 * a cache (CACHES) so that every worker and replica shares them.
 *
 *     export const login = rateLimit({ key: 'ip', rate: '5/m', methods: ['POST'] })(loginView);
 *     MIDDLEWARE = [..., rateLimit({ key: 'ip', rate: '600/m' })];
 *
 * `hit`, `peek` and `reset` count by any key of your own (a user name at login).
 */
export { rateLimit, rateLimitHeaders, tooManyRequests, type RateLimitOptions } from './wrap.js';
export { hit, peek, reset, type LimitOptions, type RateLimitState } from './limit.js';
export { addressBlock, type KeyFunction, type RateLimitKey } from './keys.js';
export { parseRate, RateError, type Rate } from './rate.js';
