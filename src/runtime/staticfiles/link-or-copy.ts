import { linkSync, lstatSync, unlinkSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';

/** Whether `a` and `b` are the same inode (`b` a hard link of `a`). */
function sameFile(a: string, b: string): boolean {
  const there = lstatSync(b, { throwIfNoEntry: false });
  const source = lstatSync(a, { throwIfNoEntry: false });
  return there !== undefined && source !== undefined && there.isFile() && source.ino === there.ino && source.dev === there.dev;
}

/**
 * A hashed copy with the same bytes as a file already in STATIC_ROOT: a hard
 * link (file creation is the dominant cost of a cold run), a copy where
 * links are not possible. The link is tried first: on a cold run that is
 * the only call. A destination that is already that link is left as it is
 * (unchanged.ts says why); any other file there is unlinked first, never
 * written in place, so linked names stay apart.
 */
export async function linkOrCopy(existing: string, destination: string): Promise<void> {
  try {
    linkSync(existing, destination);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      if (sameFile(existing, destination)) return;
      unlinkSync(destination);
      try {
        linkSync(existing, destination);
        return;
      } catch {
        // Copied below.
      }
    }
  }
  await copyFile(existing, destination);
}
