/**
 * The caches of the loaded settings (CACHES), each made on first use and
 * kept for the life of the process: `caches.get('sessions')`, and `cache`,
 * the `default` one.
 */
import { CacheUrlError, parseCacheUrl } from '../conf/cache-url.js';
import { ImproperlyConfigured } from '../conf/errors.js';
import { settings } from '../conf/settings.js';
import type { CacheSettings } from '../conf/types.js';
import type { CacheBackend } from './backend.js';
import { Cache } from './cache.js';
import { DatabaseBackend } from './database.js';
import { DummyBackend, LocmemBackend } from './locmem.js';
import { RedisBackend } from './redis.js';

/** The backend a cache URL names. */
export function backendFor(url: string, options: { maxEntries?: number } = {}): CacheBackend {
  const target = parseCacheUrl(url);
  switch (target.backend) {
    case 'locmem':
      return new LocmemBackend(target.name, options.maxEntries);
    case 'redis':
      return new RedisBackend(target.url);
    case 'db':
      return new DatabaseBackend(target.alias);
    case 'dummy':
      return new DummyBackend();
  }
}

/** A cache from one CACHES entry (or the same shape), outside the settings: for tests and scripts. */
export function createCache(config: CacheSettings, name = config.URL): Cache {
  let backend: CacheBackend;
  try {
    backend = backendFor(config.URL, { maxEntries: config.MAX_ENTRIES });
  } catch (error) {
    if (error instanceof CacheUrlError) throw new ImproperlyConfigured([`${name}.URL is not usable: ${error.message}`]);
    throw error;
  }
  return new Cache(backend, { name, timeout: config.TIMEOUT, keyPrefix: config.KEY_PREFIX, version: config.VERSION });
}

const made = new Map<string, Cache>();

export const caches = {
  /** The cache CACHES[alias] describes. */
  get(alias = 'default'): Cache {
    const existing = made.get(alias);
    if (existing) return existing;
    const config = settings.CACHES[alias];
    if (!config) throw new ImproperlyConfigured([`There is no cache '${alias}' in CACHES (it has: ${Object.keys(settings.CACHES).join(', ')})`]);
    const cache = createCache(config, `CACHES['${alias}']`);
    made.set(alias, cache);
    return cache;
  },
  /** Forgets the caches made so far (settings changed in a test); the backends' connections stay. */
  reset(): void {
    made.clear();
  },
};

/**
 * The `default` cache. A stand-in until first used, so a module can import
 * it before the settings are loaded.
 */
export const cache: Cache = new Proxy({} as Cache, {
  get(_, property) {
    const real = caches.get();
    const value: unknown = Reflect.get(real, property, real);
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(real) : value;
  },
});
