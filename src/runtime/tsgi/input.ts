import { HttpError } from './errors.js';
import type { InputStream } from './types.js';

const EMPTY = new Uint8Array(0);
const NEWLINE = 0x0a;

/**
 * `wsgi.input` over a stream of body chunks. Reads are buffered; `limit`
 * (the Content-Length, when known) caps what is ever taken from the source,
 * so the reader never reads past the body.
 */
export class BodyReader implements InputStream {
  private buffer: Uint8Array = EMPTY;
  private source: AsyncIterable<Uint8Array> | undefined;
  private iterator: AsyncIterator<Uint8Array> | undefined;
  private remaining: number;
  private received = 0;

  /**
   * `limit` is the body's known length (Content-Length); `maxBytes` caps a
   * body of unknown length (chunked), beyond which reading fails with a 413.
   * The source is opened lazily: a request whose body is never read costs nothing.
   */
  constructor(
    source: AsyncIterable<Uint8Array> | undefined,
    limit?: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {
    this.source = source;
    this.remaining = limit ?? Number.POSITIVE_INFINITY;
  }

  /** A reader over bytes already in memory. */
  static of(bytes: Uint8Array | string): BodyReader {
    const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    return new BodyReader(
      (async function* () {
        if (data.byteLength > 0) yield data;
      })(),
      data.byteLength,
    );
  }

  /** Pulls one more chunk from the source; false at the end of the body. */
  private async fill(): Promise<boolean> {
    if (!this.source || this.remaining <= 0) return false;
    this.iterator ??= this.source[Symbol.asyncIterator]();
    const next = await this.iterator.next();
    if (next.done) {
      this.source = undefined;
      return false;
    }
    let chunk = next.value;
    if (chunk.byteLength > this.remaining) chunk = chunk.subarray(0, this.remaining);
    this.remaining -= chunk.byteLength;
    this.received += chunk.byteLength;
    if (this.received > this.maxBytes) {
      throw new HttpError('413 Content Too Large', `request body is larger than ${this.maxBytes} bytes`);
    }
    this.buffer = this.buffer.byteLength === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    return true;
  }

  private take(size: number): Uint8Array {
    const out = this.buffer.subarray(0, size);
    this.buffer = this.buffer.subarray(size);
    return out;
  }

  async read(size?: number): Promise<Uint8Array> {
    const wanted = size === undefined || size < 0 ? Number.POSITIVE_INFINITY : size;
    while (this.buffer.byteLength < wanted && (await this.fill())) {
      // keep filling
    }
    return this.take(Math.min(wanted, this.buffer.byteLength));
  }

  async readline(size?: number): Promise<Uint8Array> {
    const limit = size === undefined || size < 0 ? Number.POSITIVE_INFINITY : size;
    let scanned = 0;
    for (;;) {
      const index = this.buffer.indexOf(NEWLINE, scanned);
      if (index !== -1) return this.take(Math.min(index + 1, limit));
      if (this.buffer.byteLength >= limit) return this.take(limit);
      scanned = this.buffer.byteLength;
      if (!(await this.fill())) return this.take(Math.min(this.buffer.byteLength, limit));
    }
  }

  async readlines(): Promise<Uint8Array[]> {
    const lines: Uint8Array[] = [];
    for await (const line of this) lines.push(line);
    return lines;
  }

  /** Iterates line by line, as a Python file object does. */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const line = await this.readline();
      if (line.byteLength === 0) return;
      yield line;
    }
  }
}
