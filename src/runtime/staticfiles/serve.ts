/**
 * Static files as a TSGI layer in front of the app, as whitenoise: GET and
 * HEAD under STATIC_URL (405 with Allow otherwise), Content-Type from a MIME
 * table, ETag and Last-Modified with 304s, a single byte `Range` (206, or
 * 416 when unsatisfiable; several ranges get the whole file), the `.br` or
 * `.gz` copy beside a file when `Accept-Encoding` allows it (with `Vary`),
 * and 404 for anything that is not a file inside the static folders (no
 * traversal, no listings, no symlinks leading out, no path but the file's own).
 *
 * Finding files and keeping what was found (`cache`) is entries.ts; the
 * header logic is conditional.ts, range.ts and accept-encoding.ts.
 */
import { createReadStream } from 'node:fs';
import type { Application, Body, Environ, Header, StartResponse } from '../tsgi/types.js';
import { countStaticFile } from '../metrics/static.js';
import { ROUTE_KEY, STATIC_ROUTE } from '../metrics/http.js';
import { chooseEncodingCached } from './accept-encoding.js';
import { isFresh } from './conditional.js';
import { StaticEntries } from './entries.js';
import type { Entry, Variant } from './entry.js';
import { requestedRange, type ByteRange } from './range.js';

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

const NOT_FOUND = Buffer.from('Not Found\n');

function plain(startResponse: StartResponse, status: string, extra: Header[] = []): Body {
  const body = status.startsWith('404') ? NOT_FOUND : Buffer.from(`${status.slice(4)}\n`);
  startResponse(status, [['Content-Type', 'text/plain; charset=utf-8'], ['Content-Length', String(body.byteLength)], ...extra]);
  return [body];
}

function fileBody(path: string, start?: number, end?: number): Body {
  const stream = createReadStream(path, start === undefined ? undefined : { start, end });
  return Object.assign(stream as AsyncIterable<Uint8Array>, { close: () => void stream.destroy() });
}

/** 206 with one range of the file, served from the file itself (never a compressed copy). */
function partial(entry: Entry, range: ByteRange, head: boolean, startResponse: StartResponse): Body {
  const length = range.end - range.start + 1;
  startResponse('206 Partial Content', [
    ['Content-Type', entry.type],
    ['Content-Length', String(length)],
    ['Content-Range', `bytes ${range.start}-${range.end}/${entry.size}`],
    ['Accept-Ranges', 'bytes'],
    ...entry.notModified,
  ]);
  if (head) return [];
  if (entry.identity.body) return [entry.identity.body.subarray(range.start, range.end + 1)];
  return fileBody(entry.file, range.start, range.end);
}

/** 200 with the whole file, or the compressed copy `Accept-Encoding` chooses (none when a Range was sent). */
function whole(entry: Entry, environ: Environ, head: boolean, startResponse: StartResponse): Body {
  const accept = environ.HTTP_ACCEPT_ENCODING;
  const coding = typeof environ.HTTP_RANGE === 'string' || typeof accept !== 'string' || !entry.vary ? undefined : chooseEncodingCached(accept, entry.codings);
  const variant = coding === undefined ? entry.identity : (entry.encoded[coding] as Variant);
  startResponse('200 OK', (coding === undefined ? entry.full : (entry.fullEncoded[coding] as Header[])).slice());
  if (head) return [];
  countStaticFile(coding ?? 'identity', variant.size);
  if (variant.body) return [variant.body];
  return fileBody(variant.path);
}

/** No empty segment: `site.css/`, `a//site.css` and `/a/site.css` name no file (as whitenoise). */
function isFilePath(relative: string): boolean {
  return !relative.startsWith('/') && !relative.endsWith('/') && !relative.includes('//');
}

/** Wraps `app` so requests under `options.url` are answered from the static files. */
export function withStaticFiles(app: Application, options: StaticServingOptions): Application {
  const prefix = options.url.endsWith('/') ? options.url : `${options.url}/`;
  const entries = new StaticEntries({
    find: options.find,
    cacheControlOf: (relative) => (typeof options.cacheControl === 'function' ? options.cacheControl(relative) : (options.cacheControl ?? 'no-cache')),
    cache: options.cache ?? false,
    revalidateMs: options.revalidateMs ?? 0,
  });

  return (environ, startResponse) => {
    const path = environ.SCRIPT_NAME + environ.PATH_INFO;
    if (!path.startsWith(prefix)) return app(environ, startResponse);
    environ[ROUTE_KEY] = STATIC_ROUTE;
    const method = environ.REQUEST_METHOD;
    if (method !== 'GET' && method !== 'HEAD') {
      return plain(startResponse, '405 Method Not Allowed', [['Allow', 'GET, HEAD']]);
    }
    const relative = path.slice(prefix.length);
    const entry = isFilePath(relative) ? entries.resolve(relative) : undefined;
    if (entry === undefined) return plain(startResponse, '404 Not Found');
    if (isFresh(environ, entry)) {
      startResponse('304 Not Modified', entry.notModified.slice());
      return [];
    }
    const range = requestedRange(environ, entry);
    if (range === 'unsatisfiable') {
      return plain(startResponse, '416 Range Not Satisfiable', [['Content-Range', `bytes */${entry.size}`], ...entry.notModified]);
    }
    if (range !== undefined) return partial(entry, range, method === 'HEAD', startResponse);
    return whole(entry, environ, method === 'HEAD', startResponse);
  };
}
