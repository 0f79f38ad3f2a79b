/**
 * tsgate/cache: Django's cache framework. `cache` is CACHES['default'],
 * `caches.get(alias)` any other; backends from a URL: locmem://, redis://
 * and rediss://, db://alias (the tsgate_cache table) and dummy://.
 */
export { Cache, DEFAULT_TIMEOUT, MAX_KEY_LENGTH, WARN_INTERVAL_MS, type CacheOptions, type KeyOptions, type SetOptions } from './cache.js';
export { backendFor, cache, caches, createCache } from './registry.js';
export { cacheMiddleware, cachePage, type PageCacheOptions } from './page.js';
export { CacheError, CacheValueError } from './errors.js';
export type { CacheBackend, Expiry } from './backend.js';
