/** The files collectstatic collects: every file of the sources, first match wins, as Django's finders. */
import { existsSync, statSync, type Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { fileInside, type StaticSource } from './finders.js';
import { ignoreMatcher } from './ignore.js';

/** One source file, by its path under STATIC_URL; stat'ed once, when found. */
export interface Found {
  relative: string;
  source: string;
  stats: Stats;
}

/** A path found in more than one source: the later copy is skipped. */
export interface Duplicate {
  path: string;
  used: string;
  skipped: string;
}

/** A source folder's files and symlinks as sorted `/`-separated paths, ignored ones left out. */
async function listFolder(base: string, ignored: (relative: string) => boolean): Promise<{ inner: string; link: boolean }[]> {
  const entries = await readdir(base, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() || entry.isSymbolicLink())
    .map((entry) => ({ inner: join(entry.parentPath, entry.name).slice(base.length + 1).split(sep).join('/'), link: entry.isSymbolicLink() }))
    .filter(({ inner }) => inner !== '' && !ignored(inner))
    .sort((a, b) => (a.inner < b.inner ? -1 : a.inner > b.inner ? 1 : 0));
}

/** Every file of the sources, first match wins, ignored segments skipped. */
export async function gatherStaticFiles(
  sources: readonly StaticSource[],
  ignore: readonly string[],
): Promise<{ files: Map<string, Found>; duplicates: Duplicate[] }> {
  const ignored = ignoreMatcher(ignore);
  const files = new Map<string, Found>();
  const duplicates: Duplicate[] = [];
  for (const { prefix, dir } of sources) {
    if (!existsSync(dir)) continue;
    const base = resolve(dir);
    for (const { inner, link } of await listFolder(base, ignored)) {
      // A plain file found by walking the folder is inside it; a symlink must not lead out of it.
      const source = link ? fileInside(dir, inner) : join(base, ...inner.split('/'));
      if (source === undefined) continue;
      const relative = prefix ? `${prefix}/${inner}` : inner;
      const existing = files.get(relative);
      if (existing) {
        duplicates.push({ path: relative, used: existing.source, skipped: source });
        continue;
      }
      files.set(relative, { relative, source, stats: statSync(source) });
    }
  }
  return { files, duplicates };
}
