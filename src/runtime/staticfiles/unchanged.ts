/**
 * Outputs already in STATIC_ROOT with the right bytes are left alone: a run
 * over an existing tree (a lost or mismatched rerun cache, another brotli
 * quality, --clear) then unlinks and creates only what changed.
 *
 * Why it matters: on ext4 without a journal (this project's machines), each
 * new inode is found by scanning the block group's inode bitmap from the
 * start and skipping every inode freed in the last ~30 s
 * (`recently_deleted()` in fs/ext4/ialloc.c, one buffer-cache lookup each).
 * Unlinking a tree and writing it again made each file creation cost up to
 * ~0.5 ms of system time (perf: 42 % of all samples in
 * `recently_deleted` + `find_get_block_common`); keeping an identical file
 * costs one read.
 */
import { lstatSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';

function sameBytes(file: string, content: Uint8Array): boolean {
  try {
    return readFileSync(file).equals(content);
  } catch {
    return false;
  }
}

/**
 * `content` at `file`, unless it holds it already. Anything else there is
 * unlinked first, never written in place: it may be a hard link shared with
 * another name (or a symlink to a source). When nothing is there (a cold
 * run) the exclusive create is the only call before the write: no lstat
 * first (46 000 outputs on the benchmark tree).
 */
export function writeUnlessHeld(file: string, content: Uint8Array): void {
  try {
    writeFileSync(file, content, { flag: 'wx' });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stats = lstatSync(file);
  if (stats.isFile() && stats.size === content.byteLength && sameBytes(file, content)) return;
  unlinkSync(file);
  writeFileSync(file, content, { flag: 'wx' });
}
