/**
 * BodyReader's cost: reading a body copies each byte at most once, whatever
 * the size of the segments it arrives in (a 10 MB upload in 1460-byte TCP
 * segments is ~7200 chunks). Measured in bytes copied, never in time.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClientDisconnected, HttpError } from '../../src/runtime/tsgi/errors.js';
import { BodyReader } from '../../src/runtime/tsgi/input.js';

const MB = 1024 * 1024;
const SEGMENT = 1460;

/** `size` bytes (a repeating pattern with a newline every `lineEvery` bytes) in `segment`-byte chunks. */
function segmented(size: number, segment: number, lineEvery = 0): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < size; start += segment) {
    const chunk = Buffer.alloc(Math.min(segment, size - start));
    for (let i = 0; i < chunk.byteLength; i++) {
      const at = start + i;
      chunk[i] = lineEvery > 0 && at % lineEvery === lineEvery - 1 ? 0x0a : 0x61 + (at % 26);
    }
    chunks.push(chunk);
  }
  return chunks;
}

async function* from(chunks: Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* chunks;
}

/** Bytes copied by Buffer.concat while `run` runs: BodyReader copies with nothing else. */
async function bytesCopied(run: () => Promise<void>): Promise<number> {
  let copied = 0;
  const concat = Buffer.concat.bind(Buffer);
  const spy = vi.spyOn(Buffer, 'concat').mockImplementation((list, length) => {
    const out = concat(list, length);
    copied += out.byteLength;
    return out;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return copied;
}

afterEach(() => vi.restoreAllMocks());

describe('BodyReader reads in linear time', () => {
  const size = 10 * MB;
  const chunks = segmented(size, SEGMENT);
  const expected = Buffer.concat(chunks);

  it('read() of a 10 MB body in 1460-byte segments copies the body once', async () => {
    let body: Uint8Array = new Uint8Array();
    const copied = await bytesCopied(async () => {
      body = await new BodyReader(from(chunks), size).read();
    });
    expect(Buffer.from(body).equals(expected)).toBe(true);
    // The quadratic reader copied the growing buffer on every chunk: ~36 GB here.
    expect(copied).toBeLessThanOrEqual(size);
  });

  it('read(64 KiB) in a loop copies each byte at most once', async () => {
    const parts: Uint8Array[] = [];
    const copied = await bytesCopied(async () => {
      const reader = new BodyReader(from(chunks), size);
      for (let part = await reader.read(64 * 1024); part.byteLength > 0; part = await reader.read(64 * 1024)) parts.push(part);
    });
    expect(Buffer.concat(parts).equals(expected)).toBe(true);
    expect(parts.slice(0, -1).every((part) => part.byteLength === 64 * 1024)).toBe(true);
    expect(copied).toBeLessThanOrEqual(size);
  });

  it('readline() over a 10 MB body of 100-byte lines copies each byte at most once', async () => {
    const lines = segmented(size, SEGMENT, 100);
    let count = 0;
    let longest = 0;
    const copied = await bytesCopied(async () => {
      for await (const line of new BodyReader(from(lines), size)) {
        longest = Math.max(longest, line.byteLength);
        count += 1;
      }
    });
    expect(count).toBe(Math.ceil(size / 100));
    expect(longest).toBe(100);
    expect(copied).toBeLessThanOrEqual(size);
  });

  it('readline() of one 10 MB line with no newline copies it once', async () => {
    const copied = await bytesCopied(async () => {
      const line = await new BodyReader(from(chunks), size).readline();
      expect(line.byteLength).toBe(size);
    });
    expect(copied).toBeLessThanOrEqual(size);
  });

  it('a read within one chunk is a view of it, not a copy', async () => {
    const copied = await bytesCopied(async () => {
      const reader = new BodyReader(from([Buffer.from('abcdef')]));
      expect(Buffer.from(await reader.read(2)).toString()).toBe('ab');
      expect(Buffer.from(await reader.read(4)).toString()).toBe('cdef');
    });
    expect(copied).toBe(0);
  });
});

describe('BodyReader errors', () => {
  it('a body over maxBytes is a 413 HttpError', async () => {
    const reader = new BodyReader(from(segmented(3000, 1000)), undefined, 2500);
    await expect(reader.read()).rejects.toMatchObject({ status: '413 Content Too Large' });
  });

  it('a source that fails mid-body (the client went away) is ClientDisconnected, told to onDisconnect first', async () => {
    async function* cut(): AsyncIterable<Uint8Array> {
      yield Buffer.from('partial');
      throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    }
    const told: ClientDisconnected[] = [];
    const reader = new BodyReader(cut(), 100, undefined, (error) => told.push(error));
    const error: unknown = await reader.read().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ClientDisconnected);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as ClientDisconnected).received).toBe(7);
    expect((error as ClientDisconnected).status).toBe('400 Bad Request');
    expect(told).toEqual([error]);
  });
});
