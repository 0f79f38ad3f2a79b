/**
 * Finds template files: a name such as `pages/welcome.html` is looked up in
 * each folder in order, first match wins (Django's DIRS, then APP_DIRS).
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';

export interface FoundTemplate {
  /** The absolute path of the file. */
  path: string;
  /** Changes when the file does (modification time and size). */
  stamp: string;
}

/** Errors that mean "no such file here" rather than a problem worth reporting. */
const NOT_THERE = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG']);

/**
 * The file `name` names inside `dir`, or undefined when the name is not a
 * relative path that stays inside it (`../settings.ts`, `/etc/passwd`), as
 * Django's safe_join: such a name is simply not found.
 */
export function templatePath(dir: string, name: string): string | undefined {
  if (name === '' || name.includes('\0') || isAbsolute(name)) return undefined;
  const root = resolve(dir);
  const file = resolve(root, name);
  return file.startsWith(root + sep) ? file : undefined;
}

/** The first file called `name` in `dirs`, or undefined. */
export function findTemplate(dirs: readonly string[], name: string): FoundTemplate | undefined {
  for (const dir of dirs) {
    const path = templatePath(dir, name);
    if (path === undefined) continue;
    let stats;
    try {
      stats = statSync(path, { throwIfNoEntry: false });
    } catch (error) {
      if (NOT_THERE.has((error as NodeJS.ErrnoException).code ?? '')) continue;
      throw error;
    }
    if (stats?.isFile()) return { path, stamp: `${stats.mtimeMs}:${stats.size}` };
  }
  return undefined;
}

export function readTemplate(path: string): string {
  const text = readFileSync(path, 'utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
