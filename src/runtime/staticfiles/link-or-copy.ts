import { linkSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';

/**
 * A hashed copy with the same bytes as a file already in STATIC_ROOT: a hard
 * link (file creation is the dominant cost of a cold run), a copy where
 * links are not possible. Files in STATIC_ROOT are always replaced by
 * unlinking first, never written in place, so linked names stay apart.
 */
export async function linkOrCopy(existing: string, destination: string): Promise<void> {
  try {
    linkSync(existing, destination);
  } catch {
    await copyFile(existing, destination);
  }
}
