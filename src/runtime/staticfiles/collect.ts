/**
 * collectstatic's core: gathers the finders' files into STATIC_ROOT (first
 * match wins), then post-processes them as Django's
 * ManifestStaticFilesStorage: content-hashed copies beside the originals,
 * CSS and JS references rewritten to hashed names (dependencies first, so a
 * file's hash covers the names it references), gzip/brotli copies kept
 * where they save space (on worker threads), and `staticfiles.json` written
 * atomically once every file it names is in place.
 *
 * The steps, each in its own module: gather.ts (what to collect),
 * rerun-cache.ts (what a previous run already did), copies.ts and plan.ts
 * (what this run will do, found before anything in STATIC_ROOT changes, so
 * a missing reference or a cycle fails early), outputs.ts (doing it).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomically, readText } from './atomic.js';
import { DEFAULT_BROTLI_QUALITY } from './compress.js';
import { planCopies, readSmallSources } from './copies.js';
import type { StaticSource } from './finders.js';
import { gatherStaticFiles, type Duplicate, type Found } from './gather.js';
import { DEFAULT_IGNORE_PATTERNS } from './ignore.js';
import { MANIFEST_NAME, manifestJson } from './manifest.js';
import { prepareRoot, pretend, writeOutputs, type OutputWork } from './outputs.js';
import { planPostProcessing, type Plan, type Planned } from './plan.js';
import { cacheKey, freshness, readCache, writeCache, type RerunCache } from './rerun-cache.js';
import { staticRoot } from './root.js';

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
  /**
   * Only the hashed copies (and their compressed copies) in STATIC_ROOT, not
   * the originals under their own names: whitenoise's KEEP_ONLY_HASHED_FILES
   * (default false; only with post-processing).
   */
  keepOnlyHashed?: boolean;
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
  duplicates: Duplicate[];
  /** The manifest's paths (undefined without post-processing). */
  manifest: Record<string, string> | undefined;
}

type Settings = Required<Omit<CollectOptions, 'sources' | 'root' | 'ignore' | 'workers'>>;

/** The options with their defaults filled in. */
function settingsOf(options: CollectOptions): Settings {
  const postProcess = options.postProcess ?? true;
  const compress = postProcess && (options.compress ?? true);
  return {
    postProcess,
    compress,
    brotliQuality: options.brotliQuality ?? DEFAULT_BROTLI_QUALITY,
    dryRun: options.dryRun ?? false,
    clear: options.clear ?? false,
    link: options.link ?? false,
    keepOnlyHashed: postProcess && (options.keepOnlyHashed ?? false),
    strict: options.strict ?? true,
    staticUrl: options.staticUrl ?? '/static/',
    progress: options.progress ?? (() => {}),
    log: options.log ?? (() => {}),
  };
}

function byPath([a]: [string, string], [b]: [string, string]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function resultOf(work: OutputWork, plan: Plan | undefined, duplicates: Duplicate[]): CollectResult {
  const planned = plan?.planned;
  return {
    root: work.root,
    linked: work.link && !work.keepOnlyHashed,
    copied: work.toCopy.map((file) => file.relative),
    unmodified: [...work.unmodified].sort(),
    postProcessed: planned ? [...planned.keys()].sort() : [],
    redone: work.redo.map((entry) => entry.relative).sort(),
    duplicates,
    warnings: plan?.warnings ?? [],
    manifest: planned ? Object.fromEntries([...planned.values()].map((entry): [string, string] => [entry.relative, entry.hashed]).sort(byPath)) : undefined,
  };
}

/**
 * The manifest first (atomically; the run's last word for what is served),
 * then the cache: a crash between them leaves sources the old cache does
 * not know, which the next run redoes. Nothing redone, every source as the
 * cache knew it, no file added or gone: both would be written as they are,
 * so a no-op rerun writes (and serialises) nothing.
 */
async function recordRun(work: OutputWork, planned: ReadonlyMap<string, Planned>, manifest: Record<string, string>, cache: RerunCache, key: string): Promise<void> {
  const { root, files } = work;
  const unchanged =
    work.redo.length === 0 && Object.keys(cache.entries).length === files.size && [...files.values()].every((file) => work.fresh(file) !== undefined) && existsSync(join(root, MANIFEST_NAME));
  if (unchanged) return;
  const manifestText = manifestJson(manifest);
  if (manifestText !== readText(join(root, MANIFEST_NAME))) {
    await writeAtomically(join(root, MANIFEST_NAME), manifestText);
    work.log(`Wrote '${join(root, MANIFEST_NAME)}'`, 3);
  }
  await writeCache(root, key, planned.values(), files, cache.text);
}

export async function collectStatic(options: CollectOptions): Promise<CollectResult> {
  const root = staticRoot(options.root, options.sources);
  const settings = settingsOf(options);
  const { postProcess, clear, log } = settings;

  const { files, duplicates } = await gatherStaticFiles(options.sources, options.ignore ?? DEFAULT_IGNORE_PATTERNS);
  for (const { path, used, skipped } of duplicates) log(`Found another file with the destination path '${path}'. It will be ignored (using '${used}', not '${skipped}').`, 2);

  const key = cacheKey(settings);
  const cache: RerunCache = clear || !postProcess ? { entries: {}, text: undefined } : readCache(root, key);
  const fresh = freshness(cache.entries);
  const { toCopy, unmodified } = planCopies(files, root, clear, settings.link, fresh, settings.keepOnlyHashed);
  const bytes = readSmallSources(files, unmodified, postProcess, fresh);
  const plan = postProcess ? await planPostProcessing({ files, staticUrl: settings.staticUrl, strict: settings.strict, fresh, root, bytes }) : undefined;
  const redo = plan ? [...plan.planned.values()].filter((entry) => entry.redo) : [];
  const { link, keepOnlyHashed, compress, brotliQuality, progress } = settings;
  const work: OutputWork = { root, files, toCopy, unmodified, planned: plan?.planned, redo, bytes, link, keepOnlyHashed, compress, brotliQuality, workers: options.workers, fresh, progress, log };
  const result = resultOf(work, plan, duplicates);

  if (settings.dryRun) {
    pretend(work, clear);
    return result;
  }
  await prepareRoot(root, clear, log, work);
  await writeOutputs(work);
  if (plan) await recordRun(work, plan.planned, result.manifest ?? {}, cache, key);
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
