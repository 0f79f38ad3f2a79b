/**
 * The entry for each path served. With `cache` (production, STATIC_ROOT),
 * what was found for a path is kept: a request then costs one stat of the
 * file (a change is noticed and the entry rebuilt), and small files are
 * answered from memory, within a total budget.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { buildEntry, statFile, type Entry } from './entry.js';
import { safeRelativePath } from './finders.js';

/** Files up to this size are kept in memory when caching… */
const MEMORY_FILE_MAX = 256 * 1024;
/** …until this many bytes are held in all. */
const MEMORY_TOTAL_MAX = 64 * 1024 * 1024;

export interface EntriesOptions {
  /** The file for a path relative to STATIC_URL, or undefined. */
  find: (relative: string) => string | undefined;
  cacheControlOf: (relative: string) => string;
  cache: boolean;
  /** With `cache`, re-check a file at most this often, in ms (0: on every request). */
  revalidateMs: number;
}

/** The whole of a small file, or undefined if it changed size meanwhile. */
function readSmall(path: string, size: number): Buffer | undefined {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, buffer, read, size - read, read);
      if (n === 0) return undefined;
      read += n;
    }
    return buffer;
  } finally {
    closeSync(fd);
  }
}

export class StaticEntries {
  private readonly entries = new Map<string, Entry>();
  private heldBytes = 0;

  constructor(private readonly options: EntriesOptions) {}

  /** The entry for the path after STATIC_URL: a canonical path already served is found without re-checking its form. */
  resolve(raw: string): Entry | undefined {
    const cached = this.options.cache ? this.entries.get(raw) : undefined;
    if (cached) {
      const valid = this.stillValid(cached);
      if (valid) return valid;
    }
    // PATH_INFO holds bytes as latin-1 code units; file names are UTF-8.
    const relative = safeRelativePath(Buffer.from(raw, 'latin1').toString('utf8'));
    return relative === undefined ? undefined : this.lookup(relative);
  }

  private lookup(relative: string): Entry | undefined {
    const cached = this.options.cache ? this.entries.get(relative) : undefined;
    const valid = cached && this.stillValid(cached);
    if (valid) return valid;
    const file = this.options.find(relative);
    const stats = file === undefined ? undefined : statFile(file);
    if (file === undefined || stats === undefined) return undefined;
    const entry = buildEntry(relative, file, stats, this.options.cacheControlOf, (path, size) => this.readBody(path, size));
    if (this.options.cache) this.entries.set(relative, entry);
    return entry;
  }

  /** The cached entry while its file is unchanged, else undefined (and forgotten). */
  private stillValid(cached: Entry): Entry | undefined {
    const now = performance.now();
    if (this.options.revalidateMs > 0 && now - cached.checkedAt < this.options.revalidateMs) return cached;
    const stats = statFile(cached.file);
    if (stats && stats.size === cached.size && stats.mtimeMs === cached.mtimeMs) {
      cached.checkedAt = now;
      return cached;
    }
    this.forget(cached.relative, cached);
    return undefined;
  }

  private forget(relative: string, entry: Entry): void {
    this.entries.delete(relative);
    for (const variant of [entry.identity, ...Object.values(entry.encoded)]) this.heldBytes -= variant.body?.byteLength ?? 0;
  }

  /** A body to hold in memory: only when caching, for a small file, within the budget. */
  private readBody(path: string, size: number): Buffer | undefined {
    if (!this.options.cache || size > MEMORY_FILE_MAX || this.heldBytes + size > MEMORY_TOTAL_MAX) return undefined;
    try {
      const body = readSmall(path, size);
      if (body) this.heldBytes += body.byteLength;
      return body;
    } catch {
      return undefined;
    }
  }
}
