/**
 * One run's gzip/brotli copies, started on worker threads as each file
 * lands in STATIC_ROOT. A file with the same bytes as one already sent gets
 * that file's copies, linked (or copied), instead of being compressed
 * again: a hashed copy of an unrewritten file (its original's bytes), and
 * any other duplicate whose bytes are in memory (the same library vendored
 * by two apps, the same icon under two names). At brotli 11 a compression
 * costs ~1 ms of CPU, a link a few µs.
 */
import { rm } from 'node:fs/promises';
import { CompressionPool, type CompressResult } from './compress.js';
import { linkOrCopy } from './link-or-copy.js';

export type Log = (message: string, level: number) => void;

/** A compression under way: the file that will hold the copies, and what it kept. */
interface Job {
  file: string;
  result: Promise<CompressResult>;
}

/**
 * Files of one length compared with at most this many sent before: a
 * comparison of different bytes stops at the first difference (memcmp),
 * and the bound keeps a tree of many same-sized files from costing n².
 */
const SAME_LENGTH_MAX = 16;

export class CompressionJobs {
  private readonly pool: CompressionPool;
  private readonly running: Promise<unknown>[] = [];
  /** Each original's job, by path under STATIC_URL, for its hashed copy. */
  private readonly originals = new Map<string, Job>();
  /** The jobs of files whose bytes were in memory, with those bytes, by length. */
  private readonly byLength = new Map<number, (Job & { data: Buffer })[]>();

  /** `step` is called as each job ends, for progress. */
  constructor(
    brotliQuality: number,
    workers: number | undefined,
    private readonly step: () => void,
    private readonly log: Log,
  ) {
    this.pool = new CompressionPool(brotliQuality, workers);
  }

  /** Compresses the original at `file` (whose bytes are `data`, when read). */
  original(relative: string, file: string, data: Buffer | undefined): void {
    this.originals.set(relative, this.compressOnce(file, data));
  }

  /** The hashed copy at `destination`: its original's copies when it has its bytes (`content` undefined), else compressed. */
  hashed(relative: string, destination: string, content: Buffer | undefined, data: Buffer | undefined): void {
    const original = content === undefined ? this.originals.get(relative) : undefined;
    if (original) this.running.push(original.result.then((outcome) => this.reuse(outcome, original.file, destination)));
    else this.compressOnce(destination, content ?? data);
  }

  /** Every job started so far, done. */
  async settled(): Promise<void> {
    await Promise.all(this.running);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /**
   * `file` compressed, or given the copies of a file sent earlier with the
   * same bytes. A file not in memory is compressed: reading it here to
   * compare would cost about what it could save.
   */
  private compressOnce(file: string, data: Buffer | undefined): Job {
    const same = data === undefined ? undefined : this.byLength.get(data.length)?.find((sent) => sent.data.equals(data));
    if (same) {
      this.running.push(same.result.then((outcome) => this.reuse(outcome, same.file, file)));
      return same;
    }
    const job: Job = { file, result: this.pool.compress(file, data) };
    if (data !== undefined) {
      const sent = this.byLength.get(data.length);
      if (sent === undefined) this.byLength.set(data.length, [{ ...job, data }]);
      else if (sent.length < SAME_LENGTH_MAX) sent.push({ ...job, data });
    }
    this.running.push(job.result.then((outcome) => (this.logCompressed(file, outcome), this.step())));
    return job;
  }

  /** `destination` given the copies `source` kept; an earlier run's copies removed where `source` kept none. */
  private async reuse(outcome: CompressResult, source: string, destination: string): Promise<void> {
    for (const suffix of ['.gz', '.br']) {
      if (outcome.kept.includes(suffix)) await linkOrCopy(source + suffix, destination + suffix);
      else await rm(destination + suffix, { force: true });
    }
    this.step();
  }

  private logCompressed(file: string, outcome: CompressResult): void {
    outcome.kept.forEach((suffix, index) => this.log(`Compressed '${file}' to '${file}${suffix}' (${outcome.sizes[index]} of ${outcome.size} bytes)`, 3));
  }
}
