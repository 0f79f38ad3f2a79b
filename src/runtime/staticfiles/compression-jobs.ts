/**
 * One run's gzip/brotli copies, started on worker threads as each file
 * lands in STATIC_ROOT. A hashed copy of an unrewritten file has its
 * original's bytes, so it gets the original's results (linked or copied)
 * instead of being compressed twice.
 */
import { rm } from 'node:fs/promises';
import { CompressionPool, type CompressResult } from './compress.js';
import { linkOrCopy } from './link-or-copy.js';

export type Log = (message: string, level: number) => void;

export class CompressionJobs {
  private readonly pool: CompressionPool;
  private readonly running: Promise<unknown>[] = [];
  /** Each original's job, by path under STATIC_URL, for its hashed copy. */
  private readonly originals = new Map<string, Promise<CompressResult>>();

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
    const job = this.pool.compress(file, data);
    this.originals.set(relative, job);
    this.running.push(job.then((outcome) => (this.logCompressed(file, outcome), this.step())));
  }

  /** The hashed copy at `destination`: its original's results when it has its bytes (`content` undefined), else compressed. */
  hashed(relative: string, original: string, destination: string, content: Buffer | undefined, data: Buffer | undefined): void {
    const results = content === undefined ? this.originals.get(relative) : undefined;
    if (results) {
      this.running.push(results.then((outcome) => this.reuse(outcome, original, destination)));
    } else {
      this.running.push(this.pool.compress(destination, content ?? data).then((outcome) => (this.logCompressed(destination, outcome), this.step())));
    }
  }

  /** Every job started so far, done. */
  async settled(): Promise<void> {
    await Promise.all(this.running);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Stale copies of an earlier hashed file are removed where the original no longer kept one. */
  private async reuse(outcome: CompressResult, original: string, destination: string): Promise<void> {
    for (const suffix of ['.gz', '.br']) {
      if (outcome.kept.includes(suffix)) await linkOrCopy(original + suffix, destination + suffix);
      else await rm(destination + suffix, { force: true });
    }
    this.step();
  }

  private logCompressed(file: string, outcome: CompressResult): void {
    outcome.kept.forEach((suffix, index) => this.log(`Compressed '${file}' to '${file}${suffix}' (${outcome.sizes[index]} of ${outcome.size} bytes)`, 3));
  }
}
