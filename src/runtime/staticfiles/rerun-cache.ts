/**
 * The incremental-rerun cache, `.staticfiles-cache.json` in STATIC_ROOT:
 * per source path, size and mtime, the hashed name and references. A
 * source whose stat matches is neither read nor hashed nor compressed
 * again. It is only trusted for the settings it was written with (its key).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomically } from './atomic.js';
import type { Found } from './gather.js';
import { CACHE_NAME } from './manifest.js';

/** What one source became last time: read from CACHE_NAME, so an unchanged file costs a stat. */
export interface CacheEntry {
  source: string;
  size: number;
  mtimeMs: number;
  hashed: string;
  /** `[target, url as written]` of each reference in a CSS/JS file. */
  refs?: [string, string][];
  /** `[target, hashed name]` of each referenced file when this one was rewritten (plan.ts's depsOf()). */
  deps?: [string, string][];
}

interface CacheFile {
  version: number;
  key: string;
  entries: Record<string, CacheEntry>;
}

/** A previous run's cache: its entries, and its text, to skip rewriting it unchanged. */
export interface RerunCache {
  entries: Record<string, CacheEntry>;
  text: string | undefined;
}

/** What this run made of a source, to be recorded: plan.ts's Planned has these fields. */
export interface Outcome {
  relative: string;
  hashed: string;
  refs: [string, string][] | undefined;
  deps: [string, string][] | undefined;
}

/** The cache entry of a source whose stat is as recorded, else undefined. */
export type Freshness = (file: Found) => CacheEntry | undefined;

/** 2: `deps` as `[target, hashed]` pairs (1 had an object keyed by target). A cache of another version is not used. */
const CACHE_VERSION = 2;

/** The settings that change what a source becomes: a cache written with others is not used. */
export function cacheKey(settings: { staticUrl: string; compress: boolean; brotliQuality: number; strict: boolean; link: boolean; keepOnlyHashed: boolean }): string {
  const { staticUrl, compress, brotliQuality, strict, link, keepOnlyHashed } = settings;
  // A run without originals is another key (with or without them, a run must not trust the other's record of them);
  // keys written before the setting existed, which lack it, stay valid for runs without it.
  return JSON.stringify({ staticUrl, compress, brotliQuality: compress ? brotliQuality : null, strict, link, ...(keepOnlyHashed ? { keepOnlyHashed } : {}) });
}

/** The cache's entries (empty unless written with the same settings), and its text. */
export function readCache(root: string, key: string): RerunCache {
  let text: string | undefined;
  try {
    text = readFileSync(join(root, CACHE_NAME), 'utf8');
    const parsed = JSON.parse(text) as Partial<CacheFile>;
    if (parsed.version !== CACHE_VERSION || parsed.key !== key || typeof parsed.entries !== 'object' || parsed.entries === null) return { entries: {}, text };
    return { entries: parsed.entries, text };
  } catch {
    return { entries: {}, text };
  }
}

export function freshness(entries: Readonly<Record<string, CacheEntry>>): Freshness {
  return (file) => {
    const entry = entries[file.relative];
    return entry && entry.source === file.source && entry.size === file.stats.size && entry.mtimeMs === file.stats.mtimeMs ? entry : undefined;
  };
}

/** Writes this run's cache, unless its text is the previous one's. */
export async function writeCache(root: string, key: string, planned: Iterable<Outcome>, files: ReadonlyMap<string, Found>, previous: string | undefined): Promise<void> {
  const entries: Record<string, CacheEntry> = {};
  for (const entry of planned) {
    const file = files.get(entry.relative) as Found;
    const record: CacheEntry = { source: file.source, size: file.stats.size, mtimeMs: file.stats.mtimeMs, hashed: entry.hashed };
    if (entry.refs) record.refs = entry.refs;
    if (entry.deps) record.deps = entry.deps;
    entries[entry.relative] = record;
  }
  const text = JSON.stringify({ version: CACHE_VERSION, key, entries } satisfies CacheFile);
  if (text !== previous) await writeAtomically(join(root, CACHE_NAME), text);
}
