/**
 * A cache, as Django's: values by key with a time to live, kept as JSON in
 * a backend (backend.ts). Keys are made `KEY_PREFIX:VERSION:key`, so sites
 * can share a server and raising VERSION retires every old value at once.
 *
 * A backend that cannot be reached is a miss, never an error: reads give
 * nothing, writes are skipped, counters fail open, and the log gets one
 * warning per interval (not one per request) until it answers again. A
 * mistake in the call itself (a key too long, a value JSON cannot hold)
 * throws a CacheError, as it would on any backend.
 */
import { logger } from '../logging/index.js';
import type { CacheBackend, Expiry } from './backend.js';
import { CacheError } from './errors.js';
import { deserialize, serialize } from './serialize.js';

/** Between two "cache is unavailable" lines for one cache. */
export const WARN_INTERVAL_MS = 30_000;
/** Longer keys are refused (memcached's limit, which Django warns about); hash long inputs into a key. */
export const MAX_KEY_LENGTH = 250;
export const DEFAULT_TIMEOUT = 300;

export interface CacheOptions {
  /** Seconds a value lives when a call names none; null: until evicted. Default 300. */
  timeout?: number | null;
  keyPrefix?: string;
  version?: number;
  /** For messages: `CACHES['default']`. */
  name?: string;
}

export interface SetOptions {
  /** Seconds to keep it; null: until evicted; 0 or less: not at all (any old value is deleted). */
  ttl?: number | null;
  version?: number;
}

export interface KeyOptions {
  version?: number;
}

export class Cache {
  readonly name: string;
  readonly keyPrefix: string;
  readonly version: number;
  readonly timeout: number | null;
  private warnedAt = 0;

  constructor(
    readonly backend: CacheBackend,
    options: CacheOptions = {},
  ) {
    this.name = options.name ?? backend.label;
    this.keyPrefix = options.keyPrefix ?? '';
    this.version = options.version ?? 1;
    this.timeout = options.timeout === undefined ? DEFAULT_TIMEOUT : options.timeout;
  }

  /** The key as stored: `prefix:version:key`. */
  makeKey(key: string, version = this.version): string {
    if (typeof key !== 'string' || key === '') throw new CacheError(`a cache key must be a non-empty string, got ${key === '' ? "''" : typeof key}`);
    const full = `${this.keyPrefix}:${version}:${key}`;
    if (full.length > MAX_KEY_LENGTH) {
      throw new CacheError(`the cache key '${full.slice(0, 40)}…' is ${full.length} characters, over ${MAX_KEY_LENGTH} — hash long input into the key, e.g. createHash('sha256').update(text).digest('hex')`);
    }
    return full;
  }

  /** When a value set now with `ttl` expires; 'skip' when it is not to be kept at all. */
  private expiry(ttl: number | null | undefined): Expiry | 'skip' {
    const seconds = ttl === undefined ? this.timeout : ttl;
    if (seconds === null) return null;
    if (typeof seconds !== 'number' || Number.isNaN(seconds)) throw new CacheError(`a ttl is seconds or null, got ${String(seconds)}`);
    if (seconds <= 0) return 'skip';
    return Date.now() + seconds * 1000;
  }

  /**
   * Runs `work` on the backend; when the backend fails (unreachable, timed
   * out), logs once per interval and gives `fallback`. CacheErrors are the
   * caller's mistakes and pass through.
   */
  private async guard<T>(what: string, fallback: T, work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      if (this.warnedAt !== 0) {
        this.warnedAt = 0;
        logger.info(`The cache ${this.name} (${this.backend.label}) is available again`);
      }
      return result;
    } catch (error) {
      if (error instanceof CacheError) throw error;
      const now = Date.now();
      if (now - this.warnedAt >= WARN_INTERVAL_MS) {
        this.warnedAt = now;
        const cause = error instanceof Error ? error.message || error.name : String(error);
        logger.warning(`The cache ${this.name} (${this.backend.label}) is unavailable: ${cause}; treating ${what} as a miss, and saying so again in ${WARN_INTERVAL_MS / 1000} s if it still is`);
      }
      return fallback;
    }
  }

  /** The value at `key`, or undefined (a miss; also when the backend is down). */
  async get<T = unknown>(key: string, options: KeyOptions = {}): Promise<T | undefined> {
    const full = this.makeKey(key, options.version);
    const text = await this.guard('a read', undefined, () => this.backend.get(full));
    return text === undefined ? undefined : deserialize<T>(text);
  }

  /** Whether `key` holds a value. */
  async has(key: string, options: KeyOptions = {}): Promise<boolean> {
    return (await this.get(key, options)) !== undefined;
  }

  /** Stores `value` (anything JSON can hold) for `ttl` seconds (default: the cache's TIMEOUT). */
  async set(key: string, value: unknown, options: SetOptions = {}): Promise<void> {
    const full = this.makeKey(key, options.version);
    const text = serialize(value, `cache.set('${key}')'s value`);
    const expires = this.expiry(options.ttl);
    if (expires === 'skip') {
      await this.guard('a delete', false, () => this.backend.delete(full));
      return;
    }
    await this.guard('a write', undefined, () => this.backend.set(full, text, expires));
  }

  /** Stores `value` only if `key` holds nothing; true when it stored. */
  async add(key: string, value: unknown, options: SetOptions = {}): Promise<boolean> {
    const full = this.makeKey(key, options.version);
    const text = serialize(value, `cache.add('${key}')'s value`);
    const expires = this.expiry(options.ttl);
    if (expires === 'skip') return false;
    return this.guard('a write', false, () => this.backend.add(full, text, expires));
  }

  /** True when there was a value to delete. */
  async delete(key: string, options: KeyOptions = {}): Promise<boolean> {
    const full = this.makeKey(key, options.version);
    return this.guard('a delete', false, () => this.backend.delete(full));
  }

  /**
   * The value at `key`; on a miss, `compute()`'s result, stored for `ttl`.
   * Two workers missing at once may both compute; both store the same kind of value.
   */
  async getOrSet<T>(key: string, compute: () => T | Promise<T>, options: SetOptions = {}): Promise<T> {
    const found = await this.get<T>(key, options);
    if (found !== undefined) return found;
    const value = await compute();
    if (value === undefined) throw new CacheError(`cache.getOrSet('${key}'): compute() returned undefined, which cannot be cached — return null for "no value"`);
    await this.set(key, value, options);
    return value;
  }

  /** The values found for `keys`, by key (misses are left out). */
  async getMany<T = unknown>(keys: readonly string[], options: KeyOptions = {}): Promise<Map<string, T>> {
    const full = keys.map((key) => this.makeKey(key, options.version));
    const texts = await this.guard('a read', [] as (string | undefined)[], () => this.backend.getMany(full));
    const found = new Map<string, T>();
    keys.forEach((key, index) => {
      const text = texts[index];
      if (text !== undefined) found.set(key, deserialize<T>(text));
    });
    return found;
  }

  /** Stores every entry of `values` (an object or a Map) with one ttl. */
  async setMany(values: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>, options: SetOptions = {}): Promise<void> {
    const entries = values instanceof Map ? [...(values as ReadonlyMap<string, unknown>)] : Object.entries(values);
    const stored = entries.map(([key, value]) => [this.makeKey(key, options.version), serialize(value, `cache.setMany()'s value for '${key}'`)] as const);
    const expires = this.expiry(options.ttl);
    if (expires === 'skip') {
      await this.guard('a delete', undefined, () => this.backend.deleteMany(stored.map(([key]) => key)));
      return;
    }
    await this.guard('a write', undefined, () => this.backend.setMany(stored, expires));
  }

  async deleteMany(keys: readonly string[], options: KeyOptions = {}): Promise<void> {
    const full = keys.map((key) => this.makeKey(key, options.version));
    await this.guard('a delete', undefined, () => this.backend.deleteMany(full));
  }

  /**
   * Adds `delta` to the whole number at `key`, atomically on every backend,
   * keeping its expiry. Undefined when the key holds nothing (or the backend
   * is down); a CacheError when it holds something other than a whole number.
   */
  async incr(key: string, delta = 1, options: KeyOptions = {}): Promise<number | undefined> {
    if (!Number.isSafeInteger(delta)) throw new CacheError(`cache.incr('${key}'): delta must be a whole number, got ${delta}`);
    const full = this.makeKey(key, options.version);
    return this.guard('an increment', undefined, () => this.backend.incr(full, delta));
  }

  async decr(key: string, delta = 1, options: KeyOptions = {}): Promise<number | undefined> {
    return this.incr(key, -delta, options);
  }

  /**
   * Adds `delta` (default 1) to a counter that starts from 0 and lives
   * `ttl` seconds from its first count, atomically across every worker and
   * replica sharing the backend: what rate limits count with. When the
   * backend is down it answers `delta` (so a limit lets requests through).
   */
  async count(key: string, options: { ttl: number; delta?: number; version?: number }): Promise<number> {
    const delta = options.delta ?? 1;
    if (!Number.isSafeInteger(delta)) throw new CacheError(`cache.count('${key}'): delta must be a whole number, got ${delta}`);
    if (!(options.ttl > 0)) throw new CacheError(`cache.count('${key}'): ttl must be seconds above 0, got ${options.ttl}`);
    const full = this.makeKey(key, options.version);
    return this.guard('a count', delta, () => this.backend.count(full, delta, Date.now() + options.ttl * 1000));
  }

  /** Deletes every value of this cache (its KEY_PREFIX), other prefixes on the same server left alone. */
  async clear(): Promise<void> {
    await this.guard('a clear', undefined, () => this.backend.clear(`${this.keyPrefix}:`));
  }
}
