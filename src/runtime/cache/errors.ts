/** A cache used wrongly: a key it cannot hold, a value JSON cannot carry, a counter that is not a number. */
export class CacheError extends Error {
  override name = 'CacheError';
}

/** A value `cache.set()` cannot store as JSON (a function, a Map, a cycle, …); the message names where in it. */
export class CacheValueError extends CacheError {
  override name = 'CacheValueError';
}
