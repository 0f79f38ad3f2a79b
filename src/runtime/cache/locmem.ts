/**
 * locmem://: entries in this process's memory, as Django's LocMemCache.
 * Each serve worker has its own, so it is for development, tests and
 * values that may differ per worker; `check --deploy` says so when several
 * workers serve. Least recently used entries go first when it is full (a
 * third of them at once, Django's cull).
 */
import type { CacheBackend, Expiry } from './backend.js';
import { CacheError } from './errors.js';

interface Entry {
  value: string;
  expires: Expiry;
}

const DEFAULT_MAX_ENTRIES = 300;
/** Shared by name, so two caches with the same locmem:// URL see one store, as in Django. */
const stores = new Map<string, Map<string, Entry>>();

export class LocmemBackend implements CacheBackend {
  readonly label: string;
  private readonly entries: Map<string, Entry>;

  constructor(
    name: string,
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
  ) {
    this.label = `locmem://${name}`;
    let store = stores.get(name);
    if (!store) {
      store = new Map();
      stores.set(name, store);
    }
    this.entries = store;
  }

  /** The live entry at `key`, marked as just used; an expired one is removed. */
  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.expires !== null && entry.expires <= Date.now()) return undefined;
    this.entries.set(key, entry);
    return entry;
  }

  private store(key: string, value: string, expires: Expiry): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      let drop = Math.max(1, Math.floor(this.entries.size / 3));
      for (const oldest of this.entries.keys()) {
        if (drop-- <= 0) break;
        this.entries.delete(oldest);
      }
    }
    this.entries.set(key, { value, expires });
  }

  async get(key: string): Promise<string | undefined> {
    return this.live(key)?.value;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return keys.map((key) => this.live(key)?.value);
  }

  async set(key: string, value: string, expires: Expiry): Promise<void> {
    this.store(key, value, expires);
  }

  async setMany(entries: readonly (readonly [string, string])[], expires: Expiry): Promise<void> {
    for (const [key, value] of entries) this.store(key, value, expires);
  }

  async add(key: string, value: string, expires: Expiry): Promise<boolean> {
    if (this.live(key) !== undefined) return false;
    this.store(key, value, expires);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return this.live(key) !== undefined && this.entries.delete(key);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.entries.delete(key);
  }

  async incr(key: string, delta: number): Promise<number | undefined> {
    const entry = this.live(key);
    if (entry === undefined) return undefined;
    const value = integerOf(entry.value, key) + delta;
    entry.value = String(value);
    return value;
  }

  async count(key: string, delta: number, expires: number): Promise<number> {
    const entry = this.live(key);
    const value = (entry === undefined ? 0 : integerOf(entry.value, key)) + delta;
    if (entry === undefined) this.store(key, String(value), expires);
    else entry.value = String(value);
    return value;
  }

  async clear(prefix: string): Promise<void> {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}

/** The integer a stored value holds; a CacheError when it is not one. */
export function integerOf(text: string, key: string): number {
  if (!/^-?\d+$/.test(text)) throw new CacheError(`cannot add to '${key}': it holds ${text.length > 40 ? `${text.slice(0, 37)}...` : text}, not a whole number`);
  return Number(text);
}

/** dummy://: stores nothing, so every read is a miss (a site with caching turned off). */
export class DummyBackend implements CacheBackend {
  readonly label = 'dummy://';
  async get(): Promise<undefined> {
    return undefined;
  }
  async getMany(keys: readonly string[]): Promise<undefined[]> {
    return keys.map(() => undefined);
  }
  async set(): Promise<void> {}
  async setMany(): Promise<void> {}
  async add(): Promise<boolean> {
    return true;
  }
  async delete(): Promise<boolean> {
    return false;
  }
  async deleteMany(): Promise<void> {}
  async incr(): Promise<undefined> {
    return undefined;
  }
  async count(_key: string, delta: number): Promise<number> {
    return delta;
  }
  async clear(): Promise<void> {}
}
