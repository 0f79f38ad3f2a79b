/**
 * What serving one static file needs, found once: its precompressed
 * copies, validators, type, and the response headers, made up front so a
 * request only picks among them.
 */
import { statSync, type Stats } from 'node:fs';
import type { Header } from '../tsgi/types.js';
import type { Coding } from './accept-encoding.js';
import { isCompressible } from './compress.js';
import { etagOf } from './conditional.js';
import { contentType } from '../mime/index.js';

/** The file or one of its compressed copies; `body` when held in memory. */
export interface Variant {
  path: string;
  size: number;
  body: Buffer | undefined;
}

export interface Entry {
  relative: string;
  file: string;
  /** When the file was last stat'ed (performance.now()). */
  checkedAt: number;
  size: number;
  mtimeMs: number;
  etag: string;
  lastModified: string;
  type: string;
  vary: boolean;
  identity: Variant;
  /** Precompressed copies beside the file, by coding. */
  encoded: Partial<Record<Coding, Variant>>;
  codings: Coding[];
  /** Response headers made once: 304, and 200 for identity and each coding. */
  notModified: Header[];
  full: Header[];
  fullEncoded: Partial<Record<Coding, Header[]>>;
}

/** The stats of a regular file at `path`, else undefined (missing, a folder, unreadable). */
export function statFile(path: string): Stats | undefined {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats?.isFile() ? stats : undefined;
  } catch {
    return undefined;
  }
}

/** The `.br` and `.gz` copies beside a compressible file. */
function encodedCopies(file: string, readBody: (path: string, size: number) => Buffer | undefined): Entry['encoded'] {
  const encoded: Entry['encoded'] = {};
  for (const [coding, suffix] of [['br', '.br'], ['gzip', '.gz']] as const) {
    const variant = statFile(file + suffix);
    if (variant) encoded[coding] = { path: file + suffix, size: variant.size, body: readBody(file + suffix, variant.size) };
  }
  return encoded;
}

/** The entry for `file`, served as `relative`; `readBody` decides which bodies are held in memory. */
export function buildEntry(relative: string, file: string, stats: Stats, cacheControlOf: (relative: string) => string, readBody: (path: string, size: number) => Buffer | undefined): Entry {
  const compressible = isCompressible(file);
  const encoded = compressible ? encodedCopies(file, readBody) : {};
  const etag = etagOf(stats);
  const lastModified = stats.mtime.toUTCString();
  const type = contentType(file);
  const vary = compressible || Object.keys(encoded).length > 0;
  const notModified: Header[] = [['Last-Modified', lastModified], ['ETag', etag], ['Cache-Control', cacheControlOf(relative)]];
  if (vary) notModified.push(['Vary', 'Accept-Encoding']);
  const fullEncoded: Entry['fullEncoded'] = {};
  for (const [coding, variant] of Object.entries(encoded) as [Coding, Variant][]) {
    fullEncoded[coding] = [['Content-Type', type], ['Content-Length', String(variant.size)], ['Content-Encoding', coding], ...notModified];
  }
  return {
    relative,
    file,
    checkedAt: performance.now(),
    size: stats.size,
    mtimeMs: stats.mtimeMs,
    etag,
    lastModified,
    type,
    vary,
    identity: { path: file, size: stats.size, body: readBody(file, stats.size) },
    encoded,
    codings: Object.keys(encoded) as Coding[],
    notModified,
    full: [['Content-Type', type], ['Content-Length', String(stats.size)], ['Accept-Ranges', 'bytes'], ...notModified],
    fullEncoded,
  };
}
