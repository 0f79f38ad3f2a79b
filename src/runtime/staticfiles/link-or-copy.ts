import { linkSync, lstatSync, unlinkSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';

/**
 * A hashed copy with the same bytes as a file already in STATIC_ROOT: a hard
 * link (file creation is the dominant cost of a cold run), a copy where
 * links are not possible. A destination that is already that link is left
 * as it is (unchanged.ts says why); any other file there is unlinked first,
 * never written in place, so linked names stay apart.
 */
export async function linkOrCopy(existing: string, destination: string): Promise<void> {
  const there = lstatSync(destination, { throwIfNoEntry: false });
  if (there !== undefined) {
    const source = lstatSync(existing, { throwIfNoEntry: false });
    if (source !== undefined && there.isFile() && source.ino === there.ino && source.dev === there.dev) return;
    unlinkSync(destination);
  }
  try {
    linkSync(existing, destination);
  } catch {
    await copyFile(existing, destination);
  }
}
