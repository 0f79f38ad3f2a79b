/**
 * A cache backend as one URL (CACHES[alias].URL; CACHE_URL in the
 * generated settings):
 *
 *   locmem://            this process's memory (each worker its own; the development default)
 *   locmem://name        … a separate one of that name
 *   redis://host:6379/0  a Redis server (rediss:// over TLS; ?timeout=SECONDS to connect)
 *   db://default         the `tsgate_cache` table of DATABASES['default'] (made by `manage migrate`)
 *   dummy://             caches nothing (every get is a miss)
 *
 * One parser for the settings checks (conf/checks.ts) and for the caches
 * (cache/); it lives here so that conf never imports cache.
 */
import { parseRedisUrl, RedisUrlError } from '../redis/url.js';

export type CacheTarget =
  | { backend: 'locmem'; name: string }
  | { backend: 'redis'; url: string; label: string }
  | { backend: 'db'; alias: string }
  | { backend: 'dummy' };

export class CacheUrlError extends Error {
  override name = 'CacheUrlError';
}

const SCHEMES = 'locmem://, redis://host:6379/0, rediss://…, db://default or dummy://';

/** The backend a cache URL names; throws a CacheUrlError that never repeats a password. */
export function parseCacheUrl(text: string): CacheTarget {
  const scheme = /^([a-z]+):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) throw new CacheUrlError(`not a cache URL: use ${SCHEMES}`);
  const rest = text.slice(scheme.length + 3);
  switch (scheme) {
    case 'locmem':
      if (/[/?#]/.test(rest)) throw new CacheUrlError(`locmem:// takes at most a name, e.g. locmem:// or locmem://sessions`);
      return { backend: 'locmem', name: rest };
    case 'dummy':
      if (rest !== '') throw new CacheUrlError('dummy:// takes nothing after the scheme');
      return { backend: 'dummy' };
    case 'db': {
      const alias = rest === '' ? 'default' : rest;
      if (!/^\w+$/.test(alias)) throw new CacheUrlError(`db:// takes a DATABASES alias, e.g. db://default, got 'db://${rest}'`);
      return { backend: 'db', alias };
    }
    case 'redis':
    case 'rediss':
      try {
        const target = parseRedisUrl(text);
        return { backend: 'redis', url: text, label: target.label };
      } catch (error) {
        if (error instanceof RedisUrlError) throw new CacheUrlError(error.message);
        throw error;
      }
    default:
      throw new CacheUrlError(`unknown scheme '${scheme}://' — use ${SCHEMES}`);
  }
}
