import { createReadStream, statSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { basename } from 'node:path';
import { contentType } from '../mime/index.js';
import type { Header } from '../tsgi/types.js';


export type ResponseBody = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** What a view returns: a status, headers and a body, turned into TSGI by the handler. */
export class HttpResponse {
  readonly headers: Header[];
  readonly body: ResponseBody;

  constructor(
    body: string | ResponseBody = '',
    readonly status = 200,
    headers: Header[] = [],
  ) {
    // A Buffer, not TextEncoder's Uint8Array: node:http writes Buffers without converting them.
    this.body = typeof body === 'string' ? Buffer.from(body) : body;
    // Always a fresh array: middleware appends to it, and callers may pass a shared constant.
    this.headers = headers.some(([name]) => name.toLowerCase() === 'content-type')
      ? [...headers]
      : [['Content-Type', 'text/html; charset=utf-8'], ...headers];
  }

  /** The status line, e.g. `404 Not Found`. */
  get statusLine(): string {
    return `${this.status} ${STATUS_CODES[this.status] ?? 'Unknown'}`;
  }
}

export function html(body: string, status = 200, headers: Header[] = []): HttpResponse {
  return new HttpResponse(body, status, headers);
}

export function text(body: string, status = 200, headers: Header[] = []): HttpResponse {
  return new HttpResponse(body, status, [['Content-Type', 'text/plain; charset=utf-8'], ...headers]);
}

export function json(data: unknown, status = 200, headers: Header[] = []): HttpResponse {
  return new HttpResponse(JSON.stringify(data), status, [['Content-Type', 'application/json'], ...headers]);
}

export function redirect(location: string, permanent = false): HttpResponse {
  return new HttpResponse('', permanent ? 301 : 302, [['Location', location]]);
}

/** A streamed body: chunks go out as they come, chunked on HTTP/1.1. */
export function streaming(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, contentType = 'application/octet-stream', status = 200): HttpResponse {
  return new HttpResponse(chunks, status, [['Content-Type', contentType]]);
}

/**
 * A file from disk, streamed, with its MIME type and length; `attachment`
 * makes browsers download it under `filename`.
 */
export function fileResponse(file: string, options: { attachment?: boolean; filename?: string } = {}): HttpResponse {
  const size = statSync(file).size;
  const headers: Header[] = [
    ['Content-Type', contentType(file)],
    ['Content-Length', String(size)],
  ];
  if (options.attachment) {
    const name = options.filename ?? basename(file);
    headers.push(['Content-Disposition', `attachment; filename="${name.replace(/["\\\r\n]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`]);
  }
  // Opened when the server starts sending, not here: a middleware that replaces this response leaves no file open.
  let stream: ReturnType<typeof createReadStream> | undefined;
  const body = {
    async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
      stream = createReadStream(file);
      yield* stream as AsyncIterable<Uint8Array>;
    },
    close: () => void stream?.destroy(),
  };
  return new HttpResponse(body, 200, headers);
}

/**
 * Adds `names` to the response's `Vary`, each once (case-insensitive), as
 * Django's patch_vary_headers: the session and CSRF middleware both vary on
 * Cookie, and a view may have sent its own Vary. Several Vary headers become
 * one; `*` stands alone.
 */
export function patchVaryHeaders(response: HttpResponse, names: readonly string[]): void {
  const values: string[] = [];
  for (let i = response.headers.length - 1; i >= 0; i--) {
    const [key, value] = response.headers[i] as Header;
    if (key.toLowerCase() !== 'vary') continue;
    values.unshift(...value.split(','));
    response.headers.splice(i, 1);
  }
  const merged = new Map<string, string>();
  for (const name of [...values, ...names].map((value) => value.trim()).filter(Boolean)) {
    if (!merged.has(name.toLowerCase())) merged.set(name.toLowerCase(), name);
  }
  response.headers.push(['Vary', merged.has('*') ? '*' : [...merged.values()].join(', ')]);
}
