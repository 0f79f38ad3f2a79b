/**
 * Where static files come from before collectstatic: STATICFILES_DIRS (an
 * entry may be `[prefix, dir]`), then each installed app's `static/`.
 * The first folder holding a path wins, as Django's finders.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

export interface StaticSource {
  /** URL-path prefix under STATIC_URL, '' for none. */
  prefix: string;
  dir: string;
}

/** `'css/site.css'` from a request path, or undefined when it tries to leave its folder or holds odd bytes. */
export function safeRelativePath(path: string): string | undefined {
  if (path.includes('\0') || path.includes('\\')) return undefined;
  const parts = path.split('/');
  if (parts.some((part) => part === '..' || part === '.')) return undefined;
  const clean = parts.filter(Boolean);
  return clean.length === 0 ? undefined : clean.join('/');
}

/** The file at `relative` under `dir`, if it is a regular file whose real path stays inside `dir` (no symlink escape). */
export function fileInside(dir: string, relative: string): string | undefined {
  const candidate = join(dir, ...relative.split('/'));
  if (!existsSync(candidate)) return undefined;
  try {
    const real = realpathSync(candidate);
    const root = realpathSync(dir);
    if (real !== root && !real.startsWith(root + sep)) return undefined;
    return statSync(real).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

export class StaticFinders {
  constructor(readonly sources: readonly StaticSource[]) {}

  /** Every file that could serve `relative`, in finder order; the first wins. */
  findAll(relative: string): string[] {
    const found: string[] = [];
    for (const { prefix, dir } of this.sources) {
      let inner = relative;
      if (prefix) {
        if (!relative.startsWith(`${prefix}/`)) continue;
        inner = relative.slice(prefix.length + 1);
      }
      const file = fileInside(dir, inner);
      if (file) found.push(file);
    }
    return found;
  }

  find(relative: string): string | undefined {
    return this.findAll(relative)[0];
  }
}

/** The finders for a project: STATICFILES_DIRS entries, then `<app>/static` of each installed app. */
export function projectFinders(baseDir: string, staticfilesDirs: readonly (string | readonly [string, string])[], apps: readonly string[]): StaticFinders {
  const sources: StaticSource[] = staticfilesDirs.map((entry) =>
    typeof entry === 'string' ? { prefix: '', dir: entry } : { prefix: entry[0].replace(/^\/+|\/+$/g, ''), dir: entry[1] },
  );
  for (const app of apps) sources.push({ prefix: '', dir: join(baseDir, ...app.split('.'), 'static') });
  return new StaticFinders(sources);
}
