/**
 * Which originals a run copies (or links) into STATIC_ROOT, decided before
 * anything is written, and the small sources read once up front for it.
 */
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import type { Found } from './gather.js';
import type { Freshness } from './rerun-cache.js';
import { pathIn } from './root.js';

/** Files up to this size are read once and kept for hashing, copying and compressing. */
const KEEP_IN_MEMORY = 1024 * 1024;

export interface CopyPlan {
  /** Sorted by path. */
  toCopy: Found[];
  unmodified: Set<string>;
}

/** Whether the copy (or, with `link`, the symlink) of `source` at `destination` is up to date, as Django decides it. */
function upToDate(destination: string, source: Found, link: boolean): boolean {
  const existing = lstatSync(destination, { throwIfNoEntry: false });
  if (existing === undefined) return false;
  // A copy where a link was asked for, or the other way round, is redone (Django: `self.symlink ^ os.path.islink(path)`).
  if (existing.isSymbolicLink() !== link) return false;
  if (link) return readlinkSync(destination) === source.source;
  return existing.isFile() && existing.size === source.stats.size && existing.mtimeMs >= source.stats.mtimeMs;
}

/**
 * After --clear everything is copied. A source the cache knows was copied
 * (or linked) by a finished run with these settings: its copy only has to
 * still be there (an exists check, no lstat). With `keepOnlyHashed` no
 * original is written: "copied" are the sources a run without it would
 * copy (new or changed, as Django and whitenoise count them), and a source
 * is unmodified when the cache knows it and its hashed copy is there.
 */
export function planCopies(files: ReadonlyMap<string, Found>, root: string, clear: boolean, link: boolean, fresh: Freshness, keepOnlyHashed = false): CopyPlan {
  const toCopy: Found[] = [];
  const unmodified = new Set<string>();
  for (const file of files.values()) {
    const cached = fresh(file);
    const there = keepOnlyHashed
      ? cached !== undefined && existsSync(pathIn(root, cached.hashed))
      : cached !== undefined
        ? existsSync(pathIn(root, file.relative))
        : upToDate(pathIn(root, file.relative), file, link);
    if (!clear && there) unmodified.add(file.relative);
    else toCopy.push(file);
  }
  toCopy.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
  return { toCopy, unmodified };
}

/** Small files that will be copied, or hashed (post-processing, unknown to the cache), read once for all the steps that need them. */
export function readSmallSources(files: ReadonlyMap<string, Found>, unmodified: ReadonlySet<string>, postProcess: boolean, fresh: Freshness): Map<string, Buffer> {
  const bytes = new Map<string, Buffer>();
  for (const file of files.values()) {
    if (file.stats.size <= KEEP_IN_MEMORY && (!unmodified.has(file.relative) || (postProcess && fresh(file) === undefined))) bytes.set(file.relative, readFileSync(file.source));
  }
  return bytes;
}
