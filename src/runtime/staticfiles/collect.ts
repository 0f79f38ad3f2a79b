/**
 * collectstatic's core: gathers the finders' files into STATIC_ROOT (first
 * match wins), then post-processes them as Django's
 * ManifestStaticFilesStorage: content-hashed copies beside the originals,
 * CSS and JS references rewritten to hashed names (dependencies first, so a
 * file's hash covers the names it references), gzip/brotli copies kept
 * where they save space (on worker threads), and `staticfiles.json` written
 * atomically once every file it names is in place.
 *
 * Everything that can fail on the sources (a missing reference, a cycle)
 * is found while planning, before anything in STATIC_ROOT changes.
 *
 * Reruns: `.staticfiles-cache.json` in STATIC_ROOT records, per source path,
 * size and mtime, the hashed name and references. A source whose stat
 * matches, and whose references still have the same names, is neither read
 * nor hashed nor compressed again; a changed one is redone with every file
 * that references it (transitively, when the names change).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, linkSync, lstatSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync, type Stats } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { CompressionPool, DEFAULT_BROTLI_QUALITY, isCompressible, type CompressResult } from './compress.js';
import { fileInside, type StaticSource } from './finders.js';
import { CACHE_NAME, MANIFEST_NAME, manifestJson } from './manifest.js';
import { hashedName, referenceKind, referencesOf, rewriteReferences } from './rewrite.js';

export const DEFAULT_IGNORE_PATTERNS: readonly string[] = ['.*', '*~', 'CVS'];

export class CollectStaticError extends Error {
  override name = 'CollectStaticError';
}

export interface CollectOptions {
  sources: readonly StaticSource[];
  /** STATIC_ROOT. */
  root: string | undefined;
  /** Glob patterns matched against each path segment (default: DEFAULT_IGNORE_PATTERNS). */
  ignore?: readonly string[];
  /** Hash names, rewrite CSS, precompress, write the manifest (default true). */
  postProcess?: boolean;
  dryRun?: boolean;
  /** Empty STATIC_ROOT first. */
  clear?: boolean;
  /** STATIC_URL, for absolute references in CSS (default '/static/'). */
  staticUrl?: string;
  /** gzip/brotli copies of compressible files (default true with postProcess). */
  compress?: boolean;
  /** Brotli quality 0..11 for the `.br` copies (default DEFAULT_BROTLI_QUALITY). */
  brotliQuality?: number;
  /** Worker threads compressing (default os.availableParallelism()). */
  workers?: number;
  /** Symlink each original instead of copying it, as Django's --link; hashed and compressed copies are still files. */
  link?: boolean;
  /** A missing referenced file is an error (default); false makes it a warning and leaves the reference as written. */
  strict?: boolean;
  /** Called as work is done, for a progress bar: (done, total). */
  progress?: (done: number, total: number) => void;
  /** Messages with a verbosity level (1 summary-worthy, 2 each file, 3 detail). */
  log?: (message: string, level: number) => void;
}

export interface CollectResult {
  root: string;
  /** The originals were symlinked (--link), not copied. */
  linked: boolean;
  /** Originals copied (or linked) this run. */
  copied: string[];
  unmodified: string[];
  /** Every file post-processed (all of them, as Django counts). */
  postProcessed: string[];
  /** The files whose hashed copy was made this run: changed sources, and the files referencing them whose names changed. */
  redone: string[];
  /** Missing references tolerated with `strict: false`. */
  warnings: string[];
  /** Paths found in more than one source: the later copies were skipped. */
  duplicates: { path: string; used: string; skipped: string }[];
  /** The manifest's paths (undefined without post-processing). */
  manifest: Record<string, string> | undefined;
}

interface Found {
  relative: string;
  source: string;
  stats: Stats;
}

/** `*`, `?` glob against one string. */
function globRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function ignoreMatcher(patterns: readonly string[]): (relative: string) => boolean {
  const compiled = patterns.map((pattern) => ({ whole: pattern.includes('/'), re: globRegExp(pattern) }));
  return (relative) => {
    const segments = relative.split('/');
    return compiled.some(({ whole, re }) => (whole ? re.test(relative) : segments.some((segment) => re.test(segment))));
  };
}

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

/** Every file of the sources, first match wins, ignored segments skipped. */
export async function gatherStaticFiles(
  sources: readonly StaticSource[],
  ignore: readonly string[],
): Promise<{ files: Map<string, Found>; duplicates: CollectResult['duplicates'] }> {
  const ignored = ignoreMatcher(ignore);
  const files = new Map<string, Found>();
  const duplicates: CollectResult['duplicates'] = [];
  for (const { prefix, dir } of sources) {
    if (!existsSync(dir)) continue;
    const base = resolve(dir);
    const entries = await readdir(base, { recursive: true, withFileTypes: true });
    const inners = entries
      .filter((entry) => entry.isFile() || entry.isSymbolicLink())
      .map((entry) => ({ inner: join(entry.parentPath, entry.name).slice(base.length + 1).split(sep).join('/'), link: entry.isSymbolicLink() }))
      .filter(({ inner }) => inner !== '' && !ignored(inner))
      .sort((a, b) => (a.inner < b.inner ? -1 : a.inner > b.inner ? 1 : 0));
    for (const { inner, link } of inners) {
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

/** Runs `work` over `items`, at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(runners);
}

/** Files up to this size are read once and kept for hashing, copying and compressing. */
const KEEP_IN_MEMORY = 1024 * 1024;

/**
 * A hashed copy with the same bytes as a file already in STATIC_ROOT: a hard
 * link (file creation is the dominant cost of a cold run), a copy where
 * links are not possible. Files in STATIC_ROOT are always replaced by
 * unlinking first, never written in place, so linked names stay apart.
 */
async function linkOrCopy(existing: string, destination: string): Promise<void> {
  try {
    linkSync(existing, destination);
  } catch {
    await copyFile(existing, destination);
  }
}

function sha12Of(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 12);
}

/** Small files are hashed in one read; big ones streamed. (Synchronous calls: measured ~3× faster than the thread pool for many small files.) */
async function sha12(file: string, size: number): Promise<string> {
  if (size <= 8 * 1024 * 1024) return sha12Of(readFileSync(file));
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex').slice(0, 12);
}

/** Whether the copy (or, with `link`, the symlink) of `source` at `destination` is up to date, as Django decides it. */
function upToDate(destination: string, source: Found, link: boolean): boolean {
  const existing = lstatSync(destination, { throwIfNoEntry: false });
  if (existing === undefined) return false;
  // A copy where a link was asked for, or the other way round, is redone (Django: `self.symlink ^ os.path.islink(path)`).
  if (existing.isSymbolicLink() !== link) return false;
  if (link) return readlinkSync(destination) === source.source;
  return existing.isFile() && existing.size === source.stats.size && existing.mtimeMs >= source.stats.mtimeMs;
}

/** What one source became last time: read from CACHE_NAME, so an unchanged file costs a stat. */
interface CacheEntry {
  source: string;
  size: number;
  mtimeMs: number;
  hashed: string;
  /** `[target, url as written]` of each reference in a CSS/JS file. */
  refs?: [string, string][];
  /** The hashed name each referenced file had when this one was rewritten. */
  deps?: Record<string, string>;
}

interface CacheFile {
  version: number;
  key: string;
  entries: Record<string, CacheEntry>;
}

const CACHE_VERSION = 1;

/** The cache's entries (empty unless written with the same settings), and its text, to skip rewriting it unchanged. */
function readCache(root: string, key: string): { entries: Record<string, CacheEntry>; text: string | undefined } {
  let text: string | undefined;
  try {
    text = readFileSync(join(root, CACHE_NAME), 'utf8');
    const parsed = JSON.parse(text) as Partial<CacheFile>;
    if (parsed.version !== CACHE_VERSION || parsed.key !== key || typeof parsed.entries !== 'object' || parsed.entries === null) return { entries: {}, text };
    return { entries: parsed.entries, text };
  } catch {
    return { entries: {}, text };
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

interface Planned {
  relative: string;
  hashed: string;
  /** Rewritten content (CSS/JS with references), else undefined: the hashed copy is the source file. */
  content: Buffer | undefined;
  /** The hashed copy must be (re)written: the source changed, a dependency's name changed, or the copy is missing. */
  redo: boolean;
  refs: [string, string][] | undefined;
  deps: Record<string, string> | undefined;
}

interface Plan {
  planned: Map<string, Planned>;
  warnings: string[];
}

function cycleError(cycle: string[]): CollectStaticError {
  const kind = cycle.every((name) => name.endsWith('.css')) ? 'CSS files' : 'Files';
  return new CollectStaticError(`${kind} reference each other in a cycle: ${cycle.map((name) => `'${name}'`).join(' -> ')}`);
}

/**
 * Hashed names for every file, dependencies before dependents, so a file's
 * hash covers the names it references; throws on a missing reference
 * (unless `strict` is false) or a cycle. A file whose source and whose
 * dependencies' names are as the cache recorded is not read again.
 */
async function planPostProcessing(
  files: Map<string, Found>,
  staticUrl: string,
  strict: boolean,
  fresh: (file: Found) => CacheEntry | undefined,
  root: string,
  bytes: Map<string, Buffer>,
): Promise<Plan> {
  const exists = (relative: string): boolean => existsSync(join(root, ...relative.split('/')));
  const refsOf = new Map<string, [string, string][]>();
  await pool([...files.values()].filter((file) => referenceKind(file.relative) !== undefined), 16, async (file) => {
    const cached = fresh(file);
    if (cached?.refs) {
      refsOf.set(file.relative, cached.refs);
      return;
    }
    const content = bytes.get(file.relative) ?? (await readFile(file.source));
    bytes.set(file.relative, content);
    const kind = referenceKind(file.relative) as 'css' | 'js';
    const refs = referencesOf(kind, content.toString('utf8'), file.relative, staticUrl).map((ref): [string, string] => [ref.target, ref.url]);
    refsOf.set(file.relative, refs);
  });

  const warnings: string[] = [];
  for (const relative of [...refsOf.keys()].sort()) {
    for (const [target, url] of refsOf.get(relative) ?? []) {
      if (files.has(target)) continue;
      const message = `The file '${target}' referenced from '${relative}' (as '${url}') could not be found.`;
      if (strict) throw new CollectStaticError(message);
      warnings.push(`${message} The reference is left as written.`);
    }
  }

  const planned = new Map<string, Planned>();
  const graph = new Set([...refsOf].filter(([, refs]) => refs.some(([target]) => files.has(target))).map(([relative]) => relative));
  // Files without references: hashed in parallel, unless the cache knows them.
  await pool([...files.values()].filter((file) => !graph.has(file.relative)), 32, async (file) => {
    const cached = fresh(file);
    const refs = refsOf.get(file.relative);
    if (cached && exists(cached.hashed)) {
      planned.set(file.relative, { relative: file.relative, hashed: cached.hashed, content: undefined, redo: false, refs, deps: undefined });
      return;
    }
    const read = bytes.get(file.relative);
    const hash = read ? sha12Of(read) : await sha12(file.source, file.stats.size);
    planned.set(file.relative, { relative: file.relative, hashed: hashedName(file.relative, hash), content: undefined, redo: true, refs, deps: undefined });
  });

  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (relative: string, trail: string[]): void => {
    const mark = state.get(relative);
    if (mark === 'done') return;
    if (mark === 'visiting') throw cycleError([...trail.slice(trail.indexOf(relative)), relative]);
    if (!graph.has(relative)) return;
    state.set(relative, 'visiting');
    const refs = refsOf.get(relative) ?? [];
    for (const [target] of refs) if (files.has(target)) visit(target, [...trail, relative]);
    const deps: Record<string, string> = {};
    for (const [target] of refs) {
      const hashed = planned.get(target)?.hashed;
      if (hashed !== undefined) deps[target] = hashed;
    }
    const file = files.get(relative) as Found;
    const cached = fresh(file);
    if (cached?.deps && sameRecord(cached.deps, deps) && exists(cached.hashed)) {
      planned.set(relative, { relative, hashed: cached.hashed, content: undefined, redo: false, refs, deps });
    } else {
      const original = bytes.get(relative) ?? readFileSync(file.source);
      const text = original.toString('utf8');
      const kind = referenceKind(relative) as 'css' | 'js';
      const found = referencesOf(kind, text, relative, staticUrl).filter((ref) => files.has(ref.target));
      const content = Buffer.from(rewriteReferences(text, found, relative, staticUrl, (target) => planned.get(target)?.hashed ?? target), 'utf8');
      planned.set(relative, { relative, hashed: hashedName(relative, sha12Of(content)), content, redo: true, refs, deps });
    }
    state.set(relative, 'done');
  };
  for (const relative of [...graph].sort()) visit(relative, []);
  return { planned, warnings };
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

async function emptyFolder(root: string): Promise<void> {
  for (const entry of await readdir(root)) await rm(join(root, entry), { recursive: true, force: true });
}

export async function collectStatic(options: CollectOptions): Promise<CollectResult> {
  const log = options.log ?? (() => {});
  if (options.root === undefined || options.root === '') {
    throw new CollectStaticError("You're using the staticfiles app without having set the required STATIC_ROOT setting to a filesystem path.");
  }
  const root = resolve(options.root);
  const realRoot = realOrResolved(root);
  for (const { dir } of options.sources) {
    const realDir = realOrResolved(dir);
    if (inside(realRoot, realDir)) {
      throw new CollectStaticError(`STATIC_ROOT ('${root}') is inside the static source folder '${dir}': collectstatic would copy its own output. Move STATIC_ROOT outside the source folders.`);
    }
  }
  const postProcess = options.postProcess ?? true;
  const compress = postProcess && (options.compress ?? true);
  const brotliQuality = options.brotliQuality ?? DEFAULT_BROTLI_QUALITY;
  const dryRun = options.dryRun ?? false;
  const clear = options.clear ?? false;
  const link = options.link ?? false;
  const strict = options.strict ?? true;
  const staticUrl = options.staticUrl ?? '/static/';
  const progress = options.progress ?? (() => {});

  const { files, duplicates } = await gatherStaticFiles(options.sources, options.ignore ?? DEFAULT_IGNORE_PATTERNS);
  for (const { path, used, skipped } of duplicates) log(`Found another file with the destination path '${path}'. It will be ignored (using '${used}', not '${skipped}').`, 2);

  // The cache is only trusted for the same settings.
  const toPath = (relative: string): string => join(root, ...relative.split('/'));
  const cacheKey = JSON.stringify({ staticUrl, compress, brotliQuality: compress ? brotliQuality : null, strict, link });
  const cache = clear || !postProcess ? { entries: {}, text: undefined } : readCache(root, cacheKey);
  const cached = cache.entries;
  const fresh = (file: Found): CacheEntry | undefined => {
    const entry = cached[file.relative];
    return entry && entry.source === file.source && entry.size === file.stats.size && entry.mtimeMs === file.stats.mtimeMs ? entry : undefined;
  };

  // What the copy step will do; after --clear everything is copied. A source the cache knows was
  // copied (or linked) by a finished run with these settings: its copy only has to still be there.
  const toCopy: Found[] = [];
  const unmodified = new Set<string>();
  for (const file of files.values()) {
    const destination = toPath(file.relative);
    if (!clear && (fresh(file) !== undefined ? existsSync(destination) : upToDate(destination, file, link))) unmodified.add(file.relative);
    else toCopy.push(file);
  }
  toCopy.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
  // Small files that will be copied or hashed are read once, here, and kept for hashing, copying and compressing.
  const bytes = new Map<string, Buffer>();
  for (const file of files.values()) {
    if (file.stats.size <= KEEP_IN_MEMORY && (!unmodified.has(file.relative) || (postProcess && fresh(file) === undefined))) bytes.set(file.relative, readFileSync(file.source));
  }
  const plan = postProcess ? await planPostProcessing(files, staticUrl, strict, fresh, root, bytes) : undefined;
  const planned = plan?.planned;

  const result: CollectResult = {
    root,
    linked: link,
    copied: toCopy.map((file) => file.relative),
    unmodified: [...unmodified].sort(),
    postProcessed: planned ? [...planned.keys()].sort() : [],
    redone: planned ? [...planned.values()].filter((entry) => entry.redo).map((entry) => entry.relative).sort() : [],
    duplicates,
    warnings: plan?.warnings ?? [],
    manifest: planned
      ? Object.fromEntries([...planned.values()].map((entry): [string, string] => [entry.relative, entry.hashed]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : undefined,
  };

  if (dryRun) {
    if (clear) log(`Pretending to delete everything in '${root}'`, 1);
    for (const file of toCopy) log(`Pretending to ${link ? 'link' : 'copy'} '${file.source}'`, 1);
    if (planned) for (const entry of planned.values()) log(`Pretending to post-process '${entry.relative}' as '${entry.hashed}'`, 1);
    return result;
  }

  await mkdir(root, { recursive: true });
  if (clear) {
    log(`Deleting everything in '${root}'`, 1);
    await emptyFolder(root);
  }

  // Compression work, decided up front so that progress has a total: originals copied now or not
  // compressed with these settings before, and hashed copies made now (a hashed copy of an
  // unrewritten file has the original's bytes: its original's results are copied).
  const copiedNow = new Set(toCopy.map((file) => file.relative));
  const redo = planned ? [...planned.values()].filter((entry) => entry.redo) : [];
  const compressOriginals = compress ? [...files.values()].filter((file) => isCompressible(file.relative) && (copiedNow.has(file.relative) || fresh(file) === undefined)).map((file) => file.relative) : [];
  const originalsCompressed = new Set(compressOriginals);
  const compressHashed = compress ? redo.filter((entry) => isCompressible(entry.relative)) : [];
  const total = toCopy.length + redo.length + compressOriginals.length + compressHashed.length;
  let done = 0;
  const step = (): void => progress(++done, total);
  progress(0, total);

  const folders = new Map<string, Promise<unknown>>();
  const ensureFolder = (folder: string): Promise<unknown> => {
    let made = folders.get(folder);
    if (!made) folders.set(folder, (made = mkdir(folder, { recursive: true })));
    return made;
  };
  const compressor = compress && compressOriginals.length + compressHashed.length > 0 ? new CompressionPool(brotliQuality, options.workers) : undefined;
  const compressing: Promise<unknown>[] = [];
  const originalResults = new Map<string, Promise<CompressResult>>();
  const logCompressed = (file: string, outcome: CompressResult): void => {
    outcome.kept.forEach((suffix, index) => log(`Compressed '${file}' to '${file}${suffix}' (${outcome.sizes[index]} of ${outcome.size} bytes)`, 3));
  };
  const compressOriginal = (relative: string): void => {
    if (!compressor) return;
    const file = toPath(relative);
    const job = compressor.compress(file, bytes.get(relative));
    originalResults.set(relative, job);
    compressing.push(job.then((outcome) => (logCompressed(file, outcome), step())));
  };

  try {
    // Files are created with synchronous calls: on ext4, creating thousands of files from libuv's
    // threads at once measured 26 s of system time (directory lock contention) against 1.8 s in one thread.
    await pool(toCopy, 32, async (file) => {
      const destination = toPath(file.relative);
      await ensureFolder(dirname(destination));
      // Never write through a link left by an earlier --link run (it points at the source).
      if (lstatSync(destination, { throwIfNoEntry: false }) !== undefined) rmSync(destination, { force: true });
      const content = bytes.get(file.relative);
      if (link) symlinkSync(file.source, destination);
      else if (content) writeFileSync(destination, content);
      else await copyFile(file.source, destination);
      log(`${link ? 'Linking' : 'Copying'} '${file.source}'`, 2);
      step();
      if (originalsCompressed.has(file.relative)) compressOriginal(file.relative);
    });
    for (const relative of unmodified) {
      log(`Skipping '${relative}' (not modified)`, 3);
      if (originalsCompressed.has(relative)) compressOriginal(relative);
    }

    if (planned) {
      await pool(redo, 32, async (entry) => {
        const destination = toPath(entry.hashed);
        const source = files.get(entry.relative) as Found;
        await ensureFolder(dirname(destination));
        if (lstatSync(destination, { throwIfNoEntry: false }) !== undefined) rmSync(destination, { force: true });
        if (entry.content !== undefined) writeFileSync(destination, entry.content);
        else if (!link) await linkOrCopy(toPath(entry.relative), destination);
        else await copyFile(source.source, destination);
        log(`Post-processed '${entry.relative}' as '${entry.hashed}'`, 2);
        step();
        if (!compressor || !isCompressible(entry.relative)) return;
        const original = entry.content === undefined ? originalResults.get(entry.relative) : undefined;
        if (original) {
          compressing.push(
            original.then(async (outcome) => {
              for (const suffix of ['.gz', '.br']) {
                await rm(destination + suffix, { force: true });
                if (outcome.kept.includes(suffix)) await linkOrCopy(toPath(entry.relative) + suffix, destination + suffix);
              }
              step();
            }),
          );
        } else {
          compressing.push(compressor.compress(destination, entry.content ?? bytes.get(entry.relative)).then((outcome) => (logCompressed(destination, outcome), step())));
        }
      });
      // As Django, which post-processes every file on every run.
      for (const entry of planned.values()) if (!entry.redo) log(`Post-processed '${entry.relative}' as '${entry.hashed}'`, 2);
    }
    await Promise.all(compressing);
  } finally {
    await compressor?.close();
  }

  if (planned) {
    // Nothing redone, every source as the cache knew it, no file added or gone: the manifest and
    // the cache would be written as they are, so a no-op rerun writes (and serialises) nothing.
    const unchanged =
      redo.length === 0 && Object.keys(cached).length === files.size && [...files.values()].every((file) => fresh(file) !== undefined) && existsSync(join(root, MANIFEST_NAME));
    if (!unchanged) {
      // The manifest first (atomically; the run's last word for what is served), then the cache:
      // a crash between them leaves sources the old cache does not know, which the next run redoes.
      const manifestText = manifestJson(result.manifest ?? {});
      if (manifestText !== readText(join(root, MANIFEST_NAME))) {
        await writeAtomically(join(root, MANIFEST_NAME), manifestText);
        log(`Wrote '${join(root, MANIFEST_NAME)}'`, 3);
      }
      const entries: Record<string, CacheEntry> = {};
      for (const entry of planned.values()) {
        const file = files.get(entry.relative) as Found;
        const record: CacheEntry = { source: file.source, size: file.stats.size, mtimeMs: file.stats.mtimeMs, hashed: entry.hashed };
        if (entry.refs) record.refs = entry.refs;
        if (entry.deps) record.deps = entry.deps;
        entries[entry.relative] = record;
      }
      const cacheText = JSON.stringify({ version: CACHE_VERSION, key: cacheKey, entries } satisfies CacheFile);
      if (cacheText !== cache.text) await writeAtomically(join(root, CACHE_NAME), cacheText);
    }
  }
  return result;
}

/** Django's summary line. */
export function collectSummary(result: CollectResult): string {
  const count = result.copied.length;
  const parts = [`${count} static file${count === 1 ? '' : 's'} ${result.linked ? 'symlinked' : 'copied'} to '${result.root}'`];
  if (result.unmodified.length > 0) parts.push(`${result.unmodified.length} unmodified`);
  if (result.postProcessed.length > 0) parts.push(`${result.postProcessed.length} post-processed`);
  return `${parts.join(', ')}.`;
}

/** Whether `name` is already a compressed copy (for callers that list outputs). */
export function isPrecompressed(name: string): boolean {
  return /\.(gz|br)$/.test(basename(name));
}
