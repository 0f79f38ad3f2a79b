/**
 * Writing a planned run into STATIC_ROOT: the originals (copied or
 * symlinked), then the hashed copies, each compressed as it lands.
 *
 * Files are created with synchronous calls: on ext4, creating thousands of
 * files from libuv's threads at once measured 26 s of system time
 * (directory lock contention) against 1.8 s in one thread.
 */
import { lstatSync, readdirSync, rmdirSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { isCompressible } from './compress.js';
import { CompressionJobs, type Log } from './compression-jobs.js';
import type { Found } from './gather.js';
import { linkOrCopy } from './link-or-copy.js';
import { CACHE_NAME, MANIFEST_NAME } from './manifest.js';
import type { Planned } from './plan.js';
import { pool } from './pool.js';
import type { Freshness } from './rerun-cache.js';
import { pathIn } from './root.js';
import { writeUnlessHeld } from './unchanged.js';

export interface OutputWork {
  root: string;
  files: ReadonlyMap<string, Found>;
  toCopy: readonly Found[];
  unmodified: ReadonlySet<string>;
  /** Undefined without post-processing. */
  planned: ReadonlyMap<string, Planned> | undefined;
  /** The planned files whose hashed copy is written this run. */
  redo: readonly Planned[];
  /** Sources already read, by path under STATIC_URL. */
  bytes: ReadonlyMap<string, Buffer>;
  link: boolean;
  /** No originals under their own names: only the hashed copies (whitenoise's KEEP_ONLY_HASHED_FILES). */
  keepOnlyHashed: boolean;
  compress: boolean;
  brotliQuality: number;
  workers: number | undefined;
  fresh: Freshness;
  progress: (done: number, total: number) => void;
  log: Log;
}

/** What a dry run would do, logged. */
export function pretend(work: OutputWork, clear: boolean): void {
  const { root, log } = work;
  if (clear) log(`Pretending to delete everything in '${root}'`, 1);
  if (!work.keepOnlyHashed) for (const file of work.toCopy) log(`Pretending to ${work.link ? 'link' : 'copy'} '${file.source}'`, 1);
  if (work.planned) for (const entry of work.planned.values()) log(`Pretending to post-process '${entry.relative}' as '${entry.hashed}'`, 1);
}

/** The paths (under STATIC_URL) this run writes: originals, hashed names, their compressed copies, the manifest and the cache. */
function outputNames(work: OutputWork): Set<string> {
  const names = new Set<string>(work.planned ? [MANIFEST_NAME, CACHE_NAME] : []);
  const add = (relative: string): void => {
    names.add(relative);
    if (work.compress && isCompressible(relative)) for (const suffix of ['.gz', '.br']) names.add(relative + suffix);
  };
  if (!work.keepOnlyHashed) for (const file of work.files.values()) add(file.relative);
  for (const entry of work.planned?.values() ?? []) add(entry.hashed);
  return names;
}

/** The hashed names of this run, which an original's name may coincide with. */
function hashedNames(work: OutputWork): Set<string> {
  return new Set([...(work.planned?.values() ?? [])].map((entry) => entry.hashed));
}

/**
 * With keepOnlyHashed, the originals (and their compressed copies) an
 * earlier run without it left, removed as whitenoise does. Only for the
 * sources this run does not know from a keep-only run's cache: those
 * already went then. Not in a STATIC_ROOT that was empty.
 */
function removeOriginals(work: OutputWork): void {
  const hashed = hashedNames(work);
  for (const file of work.toCopy) {
    for (const name of [file.relative, `${file.relative}.gz`, `${file.relative}.br`]) {
      if (hashed.has(name)) continue;
      try {
        unlinkSync(pathIn(work.root, name));
        work.log(`Deleted '${name}' (only hashed files are kept)`, 3);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }
}

/** Folders under `folder` left empty, removed deepest first; `folder` itself stays. */
function removeEmptyFolders(folder: string): boolean {
  let empty = true;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.isDirectory() && removeEmptyFolders(join(folder, entry.name))) rmdirSync(join(folder, entry.name));
    else empty = false;
  }
  return empty;
}

/**
 * STATIC_ROOT made, and with --clear emptied of everything this run does
 * not write. What it writes again is left for the run to compare and keep
 * when unchanged (unchanged.ts: deleting a tree and creating it again is
 * the slowest thing a run can do to this file system); the end state is
 * Django's, STATIC_ROOT holding exactly this run's files.
 */
export async function prepareRoot(root: string, clear: boolean, log: Log, work: OutputWork): Promise<void> {
  await mkdir(root, { recursive: true });
  if (work.keepOnlyHashed && !clear && readdirSync(root).length > 0) removeOriginals(work);
  if (!clear) return;
  log(`Deleting everything in '${root}'`, 1);
  const outputs = outputNames(work);
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isDirectory()) continue;
    const path = join(entry.parentPath, entry.name);
    if (!outputs.has(relative(root, path).split(sep).join('/'))) rmSync(path, { force: true });
  }
  removeEmptyFolders(root);
}

/** Never write through a link left by an earlier --link run (it points at the source), nor into a file another name is linked to. */
function unlinkExisting(destination: string): void {
  if (lstatSync(destination, { throwIfNoEntry: false }) !== undefined) rmSync(destination, { force: true });
}

/** Each folder made once, however many files land in it at the same time. */
function folderMaker(): (folder: string) => Promise<unknown> {
  const folders = new Map<string, Promise<unknown>>();
  return (folder) => {
    let made = folders.get(folder);
    if (!made) folders.set(folder, (made = mkdir(folder, { recursive: true })));
    return made;
  };
}

/**
 * Compression work, decided up front so that progress has a total:
 * originals copied now or not compressed with these settings before, and
 * hashed copies made now.
 */
function compressionWork(work: OutputWork): { originals: Set<string>; hashed: number } {
  if (!work.compress) return { originals: new Set(), hashed: 0 };
  if (work.keepOnlyHashed) return { originals: new Set(), hashed: work.redo.filter((entry) => isCompressible(entry.relative)).length };
  const copiedNow = new Set(work.toCopy.map((file) => file.relative));
  const originals = [...work.files.values()].filter((file) => isCompressible(file.relative) && (copiedNow.has(file.relative) || work.fresh(file) === undefined));
  return { originals: new Set(originals.map((file) => file.relative)), hashed: work.redo.filter((entry) => isCompressible(entry.relative)).length };
}

/** Everything planned written, compressed copies included, with progress reported against the total. */
export async function writeOutputs(work: OutputWork): Promise<void> {
  const compressing = compressionWork(work);
  const total = (work.keepOnlyHashed ? 0 : work.toCopy.length) + work.redo.length + compressing.originals.size + compressing.hashed;
  let done = 0;
  const step = (): void => work.progress(++done, total);
  work.progress(0, total);
  const jobs = compressing.originals.size + compressing.hashed > 0 ? new CompressionJobs(work.brotliQuality, work.workers, step, work.log) : undefined;
  const ensureFolder = folderMaker();
  try {
    if (!work.keepOnlyHashed) {
      await writeOriginals(work, ensureFolder, step, (relative) => {
        if (compressing.originals.has(relative)) jobs?.original(relative, pathIn(work.root, relative), work.bytes.get(relative));
      });
    }
    if (work.planned) await writeHashedCopies(work, ensureFolder, step, jobs);
    await jobs?.settled();
  } finally {
    await jobs?.close();
  }
}

/** The originals copied (or symlinked), then the unmodified ones noted; `landed` is told of each, for compression. */
async function writeOriginals(work: OutputWork, ensureFolder: (folder: string) => Promise<unknown>, step: () => void, landed: (relative: string) => void): Promise<void> {
  const { link, log } = work;
  await pool(work.toCopy, 32, async (file) => {
    const destination = pathIn(work.root, file.relative);
    await ensureFolder(dirname(destination));
    const content = work.bytes.get(file.relative);
    if (!link && content) writeUnlessHeld(destination, content);
    else {
      unlinkExisting(destination);
      if (link) symlinkSync(file.source, destination);
      else await copyFile(file.source, destination);
    }
    log(`${link ? 'Linking' : 'Copying'} '${file.source}'`, 2);
    step();
    landed(file.relative);
  });
  for (const relative of work.unmodified) {
    log(`Skipping '${relative}' (not modified)`, 3);
    landed(relative);
  }
}

/**
 * The hashed copies to redo: rewritten content, else the original's bytes
 * (a hard link to the copy, or with --link a copy of the source; with
 * keepOnlyHashed, there being no copy, the bytes read or the source).
 */
async function writeHashedCopies(work: OutputWork, ensureFolder: (folder: string) => Promise<unknown>, step: () => void, jobs: CompressionJobs | undefined): Promise<void> {
  const { root, log } = work;
  await pool(work.redo, 32, async (entry) => {
    const destination = pathIn(root, entry.hashed);
    const source = work.files.get(entry.relative) as Found;
    await ensureFolder(dirname(destination));
    const read = work.bytes.get(entry.relative);
    if (entry.content !== undefined) {
      // The name carries the content's hash: an earlier run's file under it is kept when its bytes match.
      writeUnlessHeld(destination, entry.content);
    } else if (work.keepOnlyHashed && read !== undefined) writeUnlessHeld(destination, read);
    else if (!work.link && !work.keepOnlyHashed) await linkOrCopy(pathIn(root, entry.relative), destination);
    else {
      unlinkExisting(destination);
      await copyFile(source.source, destination);
    }
    log(`Post-processed '${entry.relative}' as '${entry.hashed}'`, 2);
    step();
    if (jobs && isCompressible(entry.relative)) jobs.hashed(entry.relative, destination, entry.content, read);
  });
  // As Django, which post-processes every file on every run.
  for (const entry of work.planned?.values() ?? []) if (!entry.redo) log(`Post-processed '${entry.relative}' as '${entry.hashed}'`, 2);
}
