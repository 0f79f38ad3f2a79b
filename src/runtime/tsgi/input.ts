import { ClientDisconnected, HttpError } from './errors.js';
import type { InputStream } from './types.js';

const EMPTY = new Uint8Array(0);
const NEWLINE = 0x0a;

/**
 * `wsgi.input` over a stream of body chunks. Chunks are kept as they arrive
 * and read on demand: bytes that lie in one chunk are returned as a view of
 * it, bytes that span chunks are copied once, so reading a body costs time
 * in proportion to its size, whatever its segment size. `limit` (the
 * Content-Length, when known) caps what is ever taken from the source, so
 * the reader never reads past the body.
 */
export class BodyReader implements InputStream {
  /** Chunks received and not yet wholly read; `offset` bytes of the first are read already. */
  private chunks: Uint8Array[] = [];
  private offset = 0;
  /** Unread bytes in `chunks`. */
  private buffered = 0;
  private source: AsyncIterable<Uint8Array> | undefined;
  private iterator: AsyncIterator<Uint8Array> | undefined;
  private remaining: number;
  private received = 0;

  /**
   * `limit` is the body's known length (Content-Length); `maxBytes` caps a
   * body of unknown length (chunked), beyond which reading fails with a 413.
   * The source is opened lazily: a request whose body is never read costs nothing.
   * A source that fails (the client went away) makes reads reject with ClientDisconnected.
   */
  constructor(
    source: AsyncIterable<Uint8Array> | undefined,
    limit?: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
    /** Told when the source fails mid-body (the client went away), before the read rejects. */
    private readonly onDisconnect?: (error: ClientDisconnected) => void,
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
  /** Body bytes received from the client so far (for the server's metrics). */
  get bytesRead(): number {
    return this.received;
  }

  private async fill(): Promise<boolean> {
    if (!this.source || this.remaining <= 0) return false;
    this.iterator ??= this.source[Symbol.asyncIterator]();
    let next: IteratorResult<Uint8Array>;
    try {
      next = await this.iterator.next();
    } catch (error) {
      this.source = undefined;
      const disconnected = new ClientDisconnected(this.received, error);
      this.onDisconnect?.(disconnected);
      throw disconnected;
    }
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
    if (chunk.byteLength > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.byteLength;
    }
    return true;
  }

  /** Removes the next `size` (≤ buffered) bytes: a view when they lie in the first chunk, else one copy. */
  private take(size: number): Uint8Array {
    if (size <= 0) return EMPTY;
    const first = this.chunks[0] as Uint8Array;
    this.buffered -= size;
    if (this.offset + size <= first.byteLength) {
      const out = first.subarray(this.offset, this.offset + size);
      this.offset += size;
      if (this.offset === first.byteLength) {
        this.chunks.shift();
        this.offset = 0;
      }
      return out;
    }
    const parts: Uint8Array[] = [];
    let left = size;
    let used = 0;
    for (const chunk of this.chunks) {
      const end = Math.min(chunk.byteLength, this.offset + left);
      parts.push(chunk.subarray(this.offset, end));
      left -= end - this.offset;
      if (end < chunk.byteLength) {
        this.offset = end;
        break;
      }
      used += 1;
      this.offset = 0;
      if (left === 0) break;
    }
    this.chunks.splice(0, used);
    return Buffer.concat(parts, size);
  }

  async read(size?: number): Promise<Uint8Array> {
    const wanted = size === undefined || size < 0 ? Number.POSITIVE_INFINITY : size;
    while (this.buffered < wanted && (await this.fill())) {
      // keep filling
    }
    return this.take(Math.min(wanted, this.buffered));
  }

  async readline(size?: number): Promise<Uint8Array> {
    const limit = size === undefined || size < 0 ? Number.POSITIVE_INFINITY : size;
    // Where the search for a newline resumes after a fill: each byte is looked at once.
    let scanned = 0;
    let index = 0;
    let from = this.offset;
    for (;;) {
      for (; index < this.chunks.length && scanned < limit; index++, from = 0) {
        const chunk = this.chunks[index] as Uint8Array;
        const at = chunk.indexOf(NEWLINE, from);
        if (at !== -1) return this.take(Math.min(scanned + at - from + 1, limit));
        scanned += chunk.byteLength - from;
      }
      if (scanned >= limit) return this.take(limit);
      if (!(await this.fill())) return this.take(this.buffered);
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
