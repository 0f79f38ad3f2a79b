/**
 * Static files as a TSGI layer in front of the app, as whitenoise: GET and
 * HEAD under STATIC_URL (405 with Allow otherwise), Content-Type from a MIME
 * table, ETag and Last-Modified with 304s, a single byte `Range` (206, or
 * 416 when unsatisfiable; several ranges get the whole file), the `.br` or
 * `.gz` copy beside a file when `Accept-Encoding` allows it (with `Vary`),
 * and 404 for anything that is not a file inside the static folders (no
 * traversal, no listings, no symlinks leading out).
 *
 * With `cache` (production, STATIC_ROOT), what was found for a path is kept:
 * a request then costs one stat of the file (a change is noticed and the
 * entry rebuilt), and small files are answered from memory.
 */
import { closeSync, createReadStream, openSync, readSync, statSync, type Stats } from 'node:fs';
import mime from 'mime';
import type { Application, Body, Environ, Header, StartResponse } from '../tsgi/types.js';
import { isCompressible } from './compress.js';
import { safeRelativePath } from './finders.js';

export interface StaticServingOptions {
  /** STATIC_URL, e.g. `/static/`. */
  url: string;
  /** The file for a path relative to STATIC_URL, or undefined. */
  find: (relative: string) => string | undefined;
  /** Cache-Control for a response, by the file's path under STATIC_URL. */
  cacheControl?: string | ((relative: string) => string);
  /** Keep what `find` answered per path, re-checked by a stat; small files are kept in memory (default false). */
  cache?: boolean;
  /** With `cache`, re-check a file at most this often, in ms (default 0: on every request). */
  revalidateMs?: number;
}

/** Files up to this size are kept in memory when caching… */
const MEMORY_FILE_MAX = 256 * 1024;
/** …until this many bytes are held in all. */
const MEMORY_TOTAL_MAX = 64 * 1024 * 1024;

const NOT_FOUND = Buffer.from('Not Found\n');

function plain(startResponse: StartResponse, status: string, extra: Header[] = []): Body {
  const body = status.startsWith('404') ? NOT_FOUND : Buffer.from(`${status.slice(4)}\n`);
  startResponse(status, [['Content-Type', 'text/plain; charset=utf-8'], ['Content-Length', String(body.byteLength)], ...extra]);
  return [body];
}

/** The MIME type, with a charset for text, as whitenoise sends it. */
export function contentType(file: string): string {
  const type = mime.getType(file) ?? 'application/octet-stream';
  return type.startsWith('text/') || type === 'application/javascript' || type === 'application/json' ? `${type}; charset=utf-8` : type;
}

type Coding = 'br' | 'gzip';

interface Variant {
  path: string;
  size: number;
  body: Buffer | undefined;
}

interface Entry {
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

function etagOf(stats: Stats): string {
  return `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
}

/** Parses `Accept-Encoding` into the chosen coding among `available`, or undefined for identity. Ties prefer br. */
export function chooseEncoding(header: string | undefined, available: readonly Coding[]): Coding | undefined {
  if (header === undefined || available.length === 0) return undefined;
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';').map((piece) => piece.trim());
    if (name === '') continue;
    let weight = 1;
    for (const param of params) {
      const match = /^q\s*=\s*([0-9.]+)$/i.exec(param);
      if (match) weight = Number(match[1]);
    }
    if (Number.isFinite(weight)) q.set(name.toLowerCase(), weight);
  }
  const weightOf = (coding: string): number => q.get(coding) ?? (coding === 'identity' ? -1 : (q.get('*') ?? 0));
  let best: Coding | undefined;
  let bestWeight = 0;
  for (const coding of ['br', 'gzip'] as const) {
    if (!available.includes(coding)) continue;
    const weight = weightOf(coding === 'gzip' && !q.has('gzip') && q.has('x-gzip') ? 'x-gzip' : coding);
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  // An identity explicitly preferred over every coding wins; unlisted, identity is the fallback.
  if (best !== undefined && weightOf('identity') > bestWeight) return undefined;
  return best;
}

/** The single range `Range` asks for: `{start, end}` (inclusive), 'unsatisfiable', or undefined to send the whole file. */
export function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return undefined; // several ranges, another unit, or nonsense: the whole file
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return undefined; // invalid: ignored, as RFC 9110 allows
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

function isFresh(environ: Environ, entry: Entry): boolean {
  const match = environ.HTTP_IF_NONE_MATCH;
  if (typeof match === 'string') {
    const opaque = entry.etag.replace(/^W\//, '');
    return match.split(',').some((tag) => {
      const trimmed = tag.trim();
      return trimmed === '*' || trimmed.replace(/^W\//, '') === opaque;
    });
  }
  const since = environ.HTTP_IF_MODIFIED_SINCE;
  if (typeof since !== 'string') return false;
  const time = Date.parse(since);
  return Number.isFinite(time) && Math.floor(entry.mtimeMs / 1000) * 1000 <= time;
}

function statFile(path: string): Stats | undefined {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats?.isFile() ? stats : undefined;
  } catch {
    return undefined;
  }
}

/** Wraps `app` so requests under `options.url` are answered from the static files. */
export function withStaticFiles(app: Application, options: StaticServingOptions): Application {
  const prefix = options.url.endsWith('/') ? options.url : `${options.url}/`;
  const cacheControlOf = (relative: string): string =>
    typeof options.cacheControl === 'function' ? options.cacheControl(relative) : (options.cacheControl ?? 'no-cache');
  const entries = new Map<string, Entry>();
  let heldBytes = 0;

  const readBody = (path: string, size: number): Buffer | undefined => {
    if (!options.cache || size > MEMORY_FILE_MAX || heldBytes + size > MEMORY_TOTAL_MAX) return undefined;
    try {
      const body = readSmall(path, size);
      if (body) heldBytes += body.byteLength;
      return body;
    } catch {
      return undefined;
    }
  };

  const build = (relative: string, file: string, stats: Stats): Entry => {
    const encoded: Entry['encoded'] = {};
    const compressible = isCompressible(file);
    if (compressible) {
      for (const [coding, suffix] of [['br', '.br'], ['gzip', '.gz']] as const) {
        const variant = statFile(file + suffix);
        if (variant) encoded[coding] = { path: file + suffix, size: variant.size, body: readBody(file + suffix, variant.size) };
      }
    }
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
  };

  const forget = (relative: string, entry: Entry): void => {
    entries.delete(relative);
    for (const variant of [entry.identity, ...Object.values(entry.encoded)]) heldBytes -= variant.body?.byteLength ?? 0;
  };

  const revalidateMs = options.revalidateMs ?? 0;
  /** The cached entry while its file is unchanged, else undefined (and forgotten). */
  const stillValid = (cached: Entry): Entry | undefined => {
    const now = performance.now();
    if (revalidateMs > 0 && now - cached.checkedAt < revalidateMs) return cached;
    const stats = statFile(cached.file);
    if (stats && stats.size === cached.size && stats.mtimeMs === cached.mtimeMs) {
      cached.checkedAt = now;
      return cached;
    }
    forget(cached.relative, cached);
    return undefined;
  };

  const lookup = (relative: string): Entry | undefined => {
    const cached = options.cache ? entries.get(relative) : undefined;
    const valid = cached && stillValid(cached);
    if (valid) return valid;
    const file = options.find(relative);
    const stats = file === undefined ? undefined : statFile(file);
    if (file === undefined || stats === undefined) return undefined;
    const entry = build(relative, file, stats);
    if (options.cache) entries.set(relative, entry);
    return entry;
  };

  /** The entry for the path after STATIC_URL: a canonical path already served is found without re-checking its form. */
  const resolvePath = (raw: string): Entry | undefined => {
    const cached = options.cache ? entries.get(raw) : undefined;
    if (cached) {
      const valid = stillValid(cached);
      if (valid) return valid;
    }
    // PATH_INFO holds bytes as latin-1 code units; file names are UTF-8.
    const relative = safeRelativePath(Buffer.from(raw, 'latin1').toString('utf8'));
    return relative === undefined ? undefined : lookup(relative);
  };

  return (environ, startResponse) => {
    const path = environ.SCRIPT_NAME + environ.PATH_INFO;
    if (!path.startsWith(prefix)) return app(environ, startResponse);
    const method = environ.REQUEST_METHOD;
    if (method !== 'GET' && method !== 'HEAD') {
      return plain(startResponse, '405 Method Not Allowed', [['Allow', 'GET, HEAD']]);
    }
    const entry = resolvePath(path.slice(prefix.length));
    if (entry === undefined) return plain(startResponse, '404 Not Found');
    if (isFresh(environ, entry)) {
      startResponse('304 Not Modified', entry.notModified.slice());
      return [];
    }

    // A Range is served from the file itself; If-Range must match the Last-Modified date (the ETag is weak).
    const rangeHeader = environ.HTTP_RANGE;
    const ifRange = environ.HTTP_IF_RANGE;
    const range =
      typeof rangeHeader === 'string' && (typeof ifRange !== 'string' || ifRange.trim() === entry.lastModified)
        ? parseRange(rangeHeader, entry.size)
        : undefined;
    if (range === 'unsatisfiable') {
      return plain(startResponse, '416 Range Not Satisfiable', [['Content-Range', `bytes */${entry.size}`], ...entry.notModified]);
    }
    if (range !== undefined) {
      const length = range.end - range.start + 1;
      startResponse('206 Partial Content', [
        ['Content-Type', entry.type],
        ['Content-Length', String(length)],
        ['Content-Range', `bytes ${range.start}-${range.end}/${entry.size}`],
        ['Accept-Ranges', 'bytes'],
        ...entry.notModified,
      ]);
      if (method === 'HEAD') return [];
      if (entry.identity.body) return [entry.identity.body.subarray(range.start, range.end + 1)];
      return fileBody(entry.file, range.start, range.end);
    }

    const accept = environ.HTTP_ACCEPT_ENCODING;
    const coding = typeof rangeHeader === 'string' || typeof accept !== 'string' || !entry.vary ? undefined : chooseEncoding(accept, entry.codings);
    const variant = coding === undefined ? entry.identity : (entry.encoded[coding] as Variant);
    startResponse('200 OK', (coding === undefined ? entry.full : (entry.fullEncoded[coding] as Header[])).slice());
    if (method === 'HEAD') return [];
    if (variant.body) return [variant.body];
    return fileBody(variant.path);
  };
}

function fileBody(path: string, start?: number, end?: number): Body {
  const stream = createReadStream(path, start === undefined ? undefined : { start, end });
  return Object.assign(stream as AsyncIterable<Uint8Array>, { close: () => void stream.destroy() });
}

/** The whole of a small file, or undefined if it changed size meanwhile. */
function readSmall(path: string, size: number): Buffer | undefined {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, buffer, read, size - read, read);
      if (n === 0) return undefined;
      read += n;
    }
    return buffer;
  } finally {
    closeSync(fd);
  }
}
