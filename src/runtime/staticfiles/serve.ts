/**
 * Static files as a TSGI layer in front of the app: GET and HEAD under
 * STATIC_URL, with Content-Type, Content-Length, ETag and Last-Modified,
 * 304 for a fresh cache, 405 for other methods, 404 for anything that is
 * not a file inside the static folders (no traversal, no listings).
 */
import { createReadStream, statSync, type Stats } from 'node:fs';
import mime from 'mime';
import type { Application, Environ, Header, StartResponse } from '../tsgi/types.js';
import { safeRelativePath } from './finders.js';

export interface StaticServingOptions {
  /** STATIC_URL, e.g. `/static/`. */
  url: string;
  /** The file for a path relative to STATIC_URL, or undefined. */
  find: (relative: string) => string | undefined;
  /** Cache-Control for a response, by the file's path under STATIC_URL. */
  cacheControl?: string | ((relative: string) => string);
}

const NOT_FOUND = Buffer.from('Not Found\n');

function plain(startResponse: StartResponse, status: string, extra: Header[] = []) {
  const body = status.startsWith('404') ? NOT_FOUND : Buffer.from(`${status.slice(4)}\n`);
  startResponse(status, [['Content-Type', 'text/plain; charset=utf-8'], ['Content-Length', String(body.byteLength)], ...extra]);
  return [body];
}

/** The MIME type, with a charset for text, as whitenoise sends it. */
export function contentType(file: string): string {
  const type = mime.getType(file) ?? 'application/octet-stream';
  return type.startsWith('text/') || type === 'application/javascript' || type === 'application/json' ? `${type}; charset=utf-8` : type;
}

function etagOf(stats: Stats): string {
  return `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
}

function isFresh(environ: Environ, etag: string, stats: Stats): boolean {
  const match = environ.HTTP_IF_NONE_MATCH;
  if (typeof match === 'string') return match.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*');
  const since = environ.HTTP_IF_MODIFIED_SINCE;
  if (typeof since !== 'string') return false;
  const time = Date.parse(since);
  return Number.isFinite(time) && Math.floor(stats.mtimeMs / 1000) * 1000 <= time;
}

/** Wraps `app` so requests under `options.url` are answered from the static files. */
export function withStaticFiles(app: Application, options: StaticServingOptions): Application {
  const prefix = options.url.endsWith('/') ? options.url : `${options.url}/`;
  return (environ, startResponse) => {
    const path = environ.SCRIPT_NAME + environ.PATH_INFO;
    if (!path.startsWith(prefix)) return app(environ, startResponse);
    if (environ.REQUEST_METHOD !== 'GET' && environ.REQUEST_METHOD !== 'HEAD') {
      return plain(startResponse, '405 Method Not Allowed', [['Allow', 'GET, HEAD']]);
    }
    // PATH_INFO holds bytes as latin-1 code units; file names are UTF-8.
    const relative = safeRelativePath(Buffer.from(path.slice(prefix.length), 'latin1').toString('utf8'));
    const file = relative === undefined ? undefined : options.find(relative);
    if (!file) return plain(startResponse, '404 Not Found');
    const stats = statSync(file);
    const etag = etagOf(stats);
    const headers: Header[] = [
      ['Last-Modified', stats.mtime.toUTCString()],
      ['ETag', etag],
      ['Cache-Control', typeof options.cacheControl === 'function' ? options.cacheControl(relative as string) : (options.cacheControl ?? 'no-cache')],
    ];
    if (isFresh(environ, etag, stats)) {
      startResponse('304 Not Modified', headers);
      return [];
    }
    startResponse('200 OK', [
      ['Content-Type', contentType(file)],
      ['Content-Length', String(stats.size)],
      ...headers,
    ]);
    if (environ.REQUEST_METHOD === 'HEAD') return [];
    const stream = createReadStream(file);
    return Object.assign(stream as AsyncIterable<Uint8Array>, { close: () => void stream.destroy() });
  };
}
