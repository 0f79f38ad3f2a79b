import { STATUS_CODES } from 'node:http';
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
