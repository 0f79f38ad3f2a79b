/**
 * What a cache backend does: JSON text by full key (`prefix:version:key`,
 * made by cache.ts), each entry with an expiry. A backend throws when its
 * store cannot be reached; cache.ts turns that into a miss and a warning.
 */

/** When an entry expires: milliseconds since the epoch, or null for never. */
export type Expiry = number | null;

export interface CacheBackend {
  /** For messages: `locmem://`, `redis://cache:6379/0` (no password), `db://default`. */
  readonly label: string;
  get(key: string): Promise<string | undefined>;
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  set(key: string, value: string, expires: Expiry): Promise<void>;
  setMany(entries: readonly (readonly [string, string])[], expires: Expiry): Promise<void>;
  /** Stores only when the key holds nothing (or something expired); true when it stored. */
  add(key: string, value: string, expires: Expiry): Promise<boolean>;
  /** True when there was something to delete. */
  delete(key: string): Promise<boolean>;
  deleteMany(keys: readonly string[]): Promise<void>;
  /**
   * Adds `delta` to the integer at `key`, atomically; undefined when the
   * key holds nothing. Throws a CacheError when it holds something else.
   */
  incr(key: string, delta: number): Promise<number | undefined>;
  /**
   * Adds `delta` to the counter at `key`, atomically, starting it from 0
   * with `expires` when it holds nothing (or something expired): the
   * counter behind rate limits.
   */
  count(key: string, delta: number, expires: number): Promise<number>;
  /** Deletes every key that starts with `prefix`. */
  clear(prefix: string): Promise<void>;
}
