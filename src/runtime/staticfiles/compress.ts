/**
 * Precompressed `.gz` and `.br` copies beside compressible files, kept only
 * where they save ≥ 5%, made on a pool of worker threads (one per core).
 *
 * Settings, measured on the 10k-file benchmark tree (6,667 CSS/JS files,
 * 0.1–12 KB) on 2 cores: gzip level 9 (as whitenoise) costs 0.14 s of CPU
 * in all. Brotli's window is sized to the file (lgwin = log2(size),
 * 16..24, windowBits() below): with the default 4 MB window every call maps
 * and unmaps megabytes, 3 s of system time at quality 9. On a fifth of the tree's
 * CSS/JS (1,334 files, CPU seconds in one thread): quality 11 (whitenoise's)
 * 2.21 s for 244 KB of output, 1.50 s for 236 KB without literal context
 * modeling (BROTLI_SMALL_INPUT, below), quality 10 1.40 s for 260 KB,
 * quality 9 0.15 s for 264 KB. Whole cold collectstatic of the tree (hash,
 * rewrite, copy, gzip, brotli), same run on a loaded 2-core machine: 7.8 s
 * of CPU at 9, 20.8 s at 11 (whitenoise: 44–49 s). The default is 9: 11
 * makes `.br` files ~11% smaller for ~10× the brotli CPU, which no deploy
 * of a busy 2-core machine should wait for by default. `brotliQuality` (the
 * command's `--brotli-quality 11`) gives whitenoise's quality where deploy
 * time does not matter.
 *
 * At equal quality the brotli calls bound the ratio to whitenoise: on the
 * tree (callgrind, 200 of its files) a call costs 8.4 M instructions here
 * and 12.9 M in whitenoise's (python brotli, 4 MB window, literal context
 * modeling), for the same or smaller output; all of it in brotli's own
 * search (UpdateNodes 71%), fixed by the quality. 10 001 calls here to its
 * 13 334 leave ~2× on the brotli work, which is ~60% of whitenoise's run:
 * ~3× by CPU only if nothing else in a run cost anything.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * Formats that are compressed already, never given a `.gz` or `.br`:
 * whitenoise's SKIP_COMPRESS_EXTENSIONS (images, archives, flash, web
 * fonts, video) and the newer compressed image, audio and archive formats.
 * Every other file is tried, as whitenoise does (fonts as ttf/otf, icons,
 * wasm, csv, a LICENSE…), and its copies kept where they save ≥ 5%.
 */
export const SKIP_COMPRESS_EXTENSIONS: ReadonlySet<string> = new Set([
  ...['jpg', 'jpeg', 'png', 'gif', 'webp', 'avif', 'heic', 'heif', 'jxl'],
  ...['zip', 'gz', 'tgz', 'bz2', 'tbz', 'xz', 'br', 'zst', '7z', 'rar'],
  ...['swf', 'flv', 'woff', 'woff2'],
  ...['3gp', '3gpp', 'asf', 'avi', 'm4v', 'mkv', 'mov', 'mp4', 'mpeg', 'mpg', 'webm', 'wmv'],
  ...['mp3', 'm4a', 'aac', 'ogg', 'oga', 'ogv', 'opus', 'flac'],
]);
/** A compressed copy must be at most this fraction of the original to be kept. */
export const KEEP_RATIO = 0.95;
/** See above: whitenoise uses 11, for ~11% smaller files at ~10× the brotli CPU. */
export const DEFAULT_BROTLI_QUALITY = 9;
/**
 * Below this many bytes, brotli at quality 10 and 11 runs without literal
 * context modeling. For a small file its histogram clustering is most of the
 * work (perf: 62% of a 100-byte call, 1.3 ms; 30% of the benchmark tree's)
 * and the extra context maps cost more bits than they save: measured on the
 * benchmark tree (0.1–12 KB), the .br files came out 3.4% smaller for 32%
 * less CPU at quality 11, smaller in every file; on 120 files from
 * node_modules, 1.1–3.2% smaller on average under 4 KB (2 of 88 files a few
 * bytes larger), and above it about even, then larger (+0.3% at 16–64 KB,
 * +1.5% past 64 KB), so larger files keep it. Quality 9 and below decide it
 * themselves, cheaply.
 */
export const BROTLI_SMALL_INPUT = 4096;

/** Whether a `.gz` and `.br` of `file` are tried: not for formats that are compressed already. */
export function isCompressible(file: string): boolean {
  const dot = file.lastIndexOf('.');
  return dot <= file.lastIndexOf('/') || !SKIP_COMPRESS_EXTENSIONS.has(file.slice(dot + 1).toLowerCase());
}

/**
 * Brotli is not tried on a file of at least this many bytes that gzip
 * could not shrink by 1%: data already compressed under a name not in
 * SKIP_COMPRESS_EXTENSIONS (a .bin, a .pdf of images). On such data
 * brotli 9 costs ~0.9 ms per KB, 25× gzip's, and at 11 ~0.5 ms, for no
 * copy kept. Below 1 KB gzip's 18 bytes of framing can be all that keeps it
 * from 5%, and brotli's dictionary may still get there.
 */
export const INCOMPRESSIBLE_MIN = 1024;

/**
 * The work itself, as plain JS so that it runs in a worker made with
 * `eval: true` from both the compiled runtime and the TypeScript sources.
 * `compressFile(file, quality, keepRatio, data?)` → `{ kept: string[], sizes: number[], size: number }`.
 */
const COMPRESS_SOURCE = String.raw`
const { lstatSync, readFileSync, unlinkSync, writeFileSync } = require('node:fs');
const { brotliCompressSync, constants, gzipSync } = require('node:zlib');
// unchanged.ts's writeUnlessHeld(), repeated here: this source runs in a worker of its own.
function writeUnlessHeld(file, content) {
  try {
    writeFileSync(file, content, { flag: 'wx' });
    return;
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
  }
  const stats = lstatSync(file);
  if (stats.isFile() && stats.size === content.length && readFileSync(file).equals(content)) return;
  unlinkSync(file);
  writeFileSync(file, content, { flag: 'wx' });
}
function removeIfThere(file) {
  if (lstatSync(file, { throwIfNoEntry: false }) !== undefined) unlinkSync(file);
}
// The window as small as the file allows, but never 10-15 or 17: the stream
// header spends 1 bit on a 16-bit window, 4 on 18-24 and 7 on the others. A
// file that fits is compressed the same whatever its window (at quality 9-11
// the encoder's block and ring buffer are 2^16+ either way), so only the
// header shrinks: 0-1 byte, 0.4% of the benchmark tree's .br bytes at 11,
// no file larger, the same instructions (callgrind).
function windowBits(size) {
  const bits = Math.max(16, Math.min(24, Math.ceil(Math.log2(size + 1))));
  return bits === 17 ? 18 : bits;
}
function compressFile(file, quality, keepRatio, data) {
  const original = data ?? readFileSync(file);
  const lgwin = windowBits(original.length);
  const gz = gzipSync(original, { level: 9 });
  const incompressible = original.length >= ${INCOMPRESSIBLE_MIN} && gz.length > original.length * 0.99;
  const br = incompressible ? undefined : brotliCompressSync(original, { params: {
    [constants.BROTLI_PARAM_QUALITY]: quality,
    [constants.BROTLI_PARAM_LGWIN]: lgwin,
    [constants.BROTLI_PARAM_SIZE_HINT]: original.length,
    [constants.BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING]: quality >= 10 && original.length < ${BROTLI_SMALL_INPUT} ? 1 : 0,
  } });
  const kept = [];
  const sizes = [];
  for (const [suffix, data] of [['.gz', gz], ['.br', br]]) {
    const keep = data !== undefined && original.length > 0 && data.length <= original.length * keepRatio;
    // An earlier run's identical copy stays (unchanged.ts says why).
    if (!keep) {
      removeIfThere(file + suffix);
      continue;
    }
    writeUnlessHeld(file + suffix, data);
    kept.push(suffix);
    sizes.push(data.length);
  }
  return { kept, sizes, size: original.length };
}
`;

const WORKER_SOURCE = `${COMPRESS_SOURCE}
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ jobs, quality, keepRatio }) => {
  const results = jobs.map(({ id, file, data }) => {
    try {
      return { id, result: compressFile(file, quality, keepRatio, data) };
    } catch (error) {
      return { id, error: error instanceof Error ? error.message : String(error) };
    }
  });
  parentPort.postMessage(results);
});
`;

/**
 * Jobs sent to a worker in one message, at most: one message per file made
 * each worker wake the main thread 20 000 times on the benchmark tree, and
 * postMessage cost more CPU than gzip and brotli at quality 9 (CPU profile).
 * Small enough that the last batches still spread over the workers.
 */
const BATCH_MAX = 16;

export interface CompressResult {
  /** The suffixes written: `.gz`, `.br`. */
  kept: string[];
  sizes: number[];
  size: number;
}

type CompressFile = (file: string, quality: number, keepRatio: number, data?: Uint8Array) => CompressResult;

let inProcess: CompressFile | undefined;
/** The same function in this thread, for one-off calls. */
function compressHere(): CompressFile {
  // The worker's own source, so that both run the same code.
  inProcess ??= new Function('require', `${COMPRESS_SOURCE}\nreturn compressFile;`)(createRequire(import.meta.url)) as CompressFile;
  return inProcess;
}

/** Writes `file.gz` and `file.br` where they pay, removing stale ones where they no longer do. Returns the kept suffixes. */
export async function precompress(file: string, log: (message: string) => void = () => {}, brotliQuality = DEFAULT_BROTLI_QUALITY): Promise<string[]> {
  if (!isCompressible(file)) return [];
  const result = compressHere()(file, brotliQuality, KEEP_RATIO);
  result.kept.forEach((suffix, index) => log(`Compressed '${file}' to '${file}${suffix}' (${result.sizes[index]} of ${result.size} bytes)`));
  return result.kept;
}

interface Job {
  id: number;
  file: string;
  data: Uint8Array | undefined;
  resolve: (result: CompressResult) => void;
  reject: (error: Error) => void;
}

/** Compression jobs spread over worker threads; `close()` when done. */
export class CompressionPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job[]>();
  private nextId = 0;
  private dead = false;

  constructor(
    private readonly quality = DEFAULT_BROTLI_QUALITY,
    size = availableParallelism(),
  ) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.unref();
      worker.on('message', (results: { id: number; result?: CompressResult; error?: string }[]) => {
        const jobs = new Map((this.running.get(worker) ?? []).map((job) => [job.id, job]));
        this.running.delete(worker);
        for (const message of results) {
          const job = jobs.get(message.id);
          if (!job) continue;
          if (message.error !== undefined) job.reject(new Error(`Could not compress '${job.file}': ${message.error}`));
          else job.resolve(message.result as CompressResult);
        }
        this.dispatch(worker);
      });
      worker.on('error', (error) => {
        // A worker that died takes the run down: its jobs and everything queued fail, nothing waits forever.
        for (const job of this.running.get(worker) ?? []) job.reject(error);
        this.running.delete(worker);
        for (const queued of this.queue.splice(0)) queued.reject(error);
        this.dead = true;
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  /** Compresses `file` (whose content is `data`, when the caller has it) if its type is compressible. */
  compress(file: string, data?: Uint8Array): Promise<CompressResult> {
    if (!isCompressible(file)) return Promise.resolve({ kept: [], sizes: [], size: 0 });
    if (this.dead) return Promise.reject(new Error('a compression worker failed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, file, data, resolve, reject });
      const worker = this.idle.pop();
      // Started on the next turn, so that the jobs queued meanwhile go in one message.
      if (worker) queueMicrotask(() => this.dispatch(worker));
    });
  }

  /** Up to BATCH_MAX queued jobs to `worker`, an even share when few are left. */
  private dispatch(worker: Worker): void {
    if (this.running.has(worker)) return;
    const share = Math.ceil(this.queue.length / this.workers.length);
    const jobs = this.queue.splice(0, Math.max(1, Math.min(BATCH_MAX, share)));
    if (jobs.length === 0) {
      if (!this.idle.includes(worker)) this.idle.push(worker);
      return;
    }
    const index = this.idle.indexOf(worker);
    if (index !== -1) this.idle.splice(index, 1);
    this.running.set(worker, jobs);
    worker.postMessage({ jobs: jobs.map(({ id, file, data }) => ({ id, file, data })), quality: this.quality, keepRatio: KEEP_RATIO });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
