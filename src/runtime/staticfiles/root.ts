/** STATIC_ROOT: checked before anything is collected into it, and where each collected file goes there. */
import { realpathSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { CollectStaticError } from './errors.js';
import type { StaticSource } from './finders.js';

function inside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** The absolute STATIC_ROOT; throws when it is unset, or inside a source folder (a run would collect its own output). */
export function staticRoot(root: string | undefined, sources: readonly StaticSource[]): string {
  if (root === undefined || root === '') {
    throw new CollectStaticError("You're using the staticfiles app without having set the required STATIC_ROOT setting to a filesystem path.");
  }
  const resolved = resolve(root);
  const realRoot = realOrResolved(resolved);
  for (const { dir } of sources) {
    const realDir = realOrResolved(dir);
    if (inside(realRoot, realDir)) {
      throw new CollectStaticError(`STATIC_ROOT ('${resolved}') is inside the static source folder '${dir}': collectstatic would copy its own output. Move STATIC_ROOT outside the source folders.`);
    }
  }
  return resolved;
}

/** A `.`, `..` or empty segment, or a leading or trailing slash: what join() would normalise. */
const NOT_PLAIN = /(?:^|\/)\.{0,2}(?:\/|$)/;

/**
 * Where the file at `relative` (a `/`-separated path under STATIC_URL) lives
 * in `root`. The names given here come from gather.ts's folder walk (with a
 * source's prefix) or rewrite.ts's hashedName(): on POSIX a plain one is
 * concatenated, which is join()'s result without its normalising pass
 * (~50 000 calls on a cold run of the benchmark tree: 0.4 s of the CPU
 * profile was in join() and normalize()).
 */
export function pathIn(root: string, relative: string): string {
  if (sep !== '/' || NOT_PLAIN.test(relative)) return join(root, ...relative.split('/'));
  return root.endsWith('/') ? root + relative : `${root}/${relative}`;
}
