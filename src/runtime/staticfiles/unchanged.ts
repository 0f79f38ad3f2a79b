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
import { lstatSync, readFileSync } from 'node:fs';

/** Whether `file` is a regular file (not a symlink) holding exactly `content`. */
export function holds(file: string, content: Uint8Array): boolean {
  const stats = lstatSync(file, { throwIfNoEntry: false });
  if (stats === undefined || !stats.isFile() || stats.size !== content.byteLength) return false;
  try {
    return readFileSync(file).equals(content);
  } catch {
    return false;
  }
}

/** Whether `a` and `b` are names of the same file (a hard link made by an earlier run). */
export function sameFile(a: string, b: string): boolean {
  const first = lstatSync(a, { throwIfNoEntry: false });
  const second = lstatSync(b, { throwIfNoEntry: false });
  return first !== undefined && second !== undefined && first.isFile() && first.ino === second.ino && first.dev === second.dev;
}

