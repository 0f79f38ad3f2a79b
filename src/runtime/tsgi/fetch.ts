/**
 * Adapters between TSGI and the fetch API. `toFetchHandler`
 * runs a TSGI application on any fetch-based host (Deno, Bun, workers, …);
 * `fromFetchHandler` mounts a fetch-based app (Hono, …) inside a TSGI project.
 */
import { STATUS_CODES } from 'node:http';
import { buildEnviron, encodePath } from './environ.js';
import { TsgiError } from './errors.js';
import { HOP_BY_HOP } from './headers.js';
import { BodyReader } from './input.js';
import { runApplication, type ResponseSink } from './run.js';
import type { Application, Body, Environ, ErrorStream, Header, InputStream } from './types.js';

export interface FetchHandlerOptions {
  /** Overrides the scheme of the request URL, e.g. behind a TLS-terminating proxy. */
  scheme?: 'http' | 'https';
  errors?: ErrorStream;
}

export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** Statuses for which the `Response` constructor refuses a body. */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);
/** Response bytes buffered before `write` makes the application wait for the consumer. */
const HIGH_WATER_MARK = 65536;
const READ_SIZE = 65536;

/** Turns what `runApplication` produces into a `Response` with a streamed body. */
class FetchSink implements ResponseSink {
  readonly response: Promise<Response>;
  /** Aborted when the consumer cancels the body, so iteration stops early. */
  readonly cancelled = new AbortController();
  private resolve!: (response: Response) => void;
  private reject!: (error: unknown) => void;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private readonly stream: ReadableStream<Uint8Array>;
  private settled = false;
  /** True once nobody will read more bytes: no body allowed, body ended or cancelled. */
  private discard = false;
  private wake: (() => void) | undefined;

  constructor(private readonly isHead: boolean) {
    this.response = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => this.resume(),
        cancel: () => {
          this.discard = true;
          this.resume();
          this.cancelled.abort();
        },
      },
      { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
    );
  }

  sendHeaders(status: string, headers: Header[]): void {
    const code = Number(status.slice(0, 3));
    const bodyless = this.isHead || NULL_BODY_STATUSES.has(code);
    this.discard = bodyless;
    this.settled = true;
    try {
      const init = { status: code, statusText: status.slice(4), headers };
      this.resolve(new Response(bodyless ? null : this.stream, init));
    } catch (error) {
      // e.g. a 1xx status, which a fetch Response cannot carry: fail the request and stop the app.
      this.discard = true;
      this.reject(error);
      throw error;
    }
  }

  write(chunk: Uint8Array): void | Promise<void> {
    if (this.discard) return;
    this.controller.enqueue(chunk);
    if ((this.controller.desiredSize ?? 0) > 0) return;
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  end(lastChunk?: Uint8Array): void {
    if (lastChunk && !this.discard) this.controller.enqueue(lastChunk);
    if (!this.discard) this.controller.close();
    this.discard = true;
  }

  abort(error: Error): void {
    if (!this.settled) {
      this.settled = true;
      this.reject(error);
    } else if (!this.discard) {
      this.controller.error(error);
    }
    this.discard = true;
  }

  /** Lets a `write` that waits for the consumer carry on. */
  private resume(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

function contentLength(headers: Headers): number | undefined {
  const value = headers.get('content-length');
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Runs a TSGI application as a fetch handler: `(Request) => Promise<Response>`. */
export function toFetchHandler(app: Application, options: FetchHandlerOptions = {}): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const scheme = options.scheme ?? (url.protocol === 'https:' ? 'https' : 'http');
    const sink = new FetchSink(request.method === 'HEAD');
    const environ = buildEnviron({
      method: request.method,
      target: url.pathname + url.search,
      headers: request.headers,
      input: new BodyReader(request.body ?? undefined, contentLength(request.headers)),
      scheme,
      serverName: url.hostname,
      serverPort: url.port || (url.protocol === 'https:' ? '443' : '80'),
      errors: options.errors,
    });
    // Either side going away stops the iteration; runApplication still calls close().
    const signal = AbortSignal.any([request.signal, sink.cancelled.signal]);
    // Normally the sink is settled by now and abort() is a no-op; this only guards a hang.
    void runApplication(app, environ, sink, { signal }).then(
      () => sink.abort(new TsgiError('the application finished without sending a response')),
      (error: unknown) => sink.abort(error instanceof Error ? error : new Error(String(error))),
    );
    return sink.response;
  };
}


/** The URL as PEP 3333's "URL reconstruction" gives it. */
function requestUrl(environ: Environ): string {
  const scheme = environ['wsgi.url_scheme'];
  const defaultPort = scheme === 'https' ? '443' : '80';
  const host =
    typeof environ.HTTP_HOST === 'string'
      ? environ.HTTP_HOST
      : environ.SERVER_NAME + (environ.SERVER_PORT === defaultPort ? '' : `:${environ.SERVER_PORT}`);
  const path = encodePath(environ.SCRIPT_NAME + environ.PATH_INFO);
  const query = environ.QUERY_STRING ? `?${environ.QUERY_STRING}` : '';
  return `${scheme}://${host}${path.startsWith('/') ? '' : '/'}${path}${query}`;
}

/** `HTTP_X_TRACE_ID` → `x-trace-id`, plus the two headers CGI keeps without the prefix. */
function requestHeaders(environ: Environ): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(environ)) {
    if (!key.startsWith('HTTP_') || typeof value !== 'string') continue;
    const name = key.slice(5).toLowerCase().replaceAll('_', '-');
    // Hop-by-hop headers described the connection to this server, not this request.
    if (name === 'content-type' || name === 'content-length' || HOP_BY_HOP.has(name)) continue;
    headers.append(name, value);
  }
  if (environ.CONTENT_TYPE) headers.set('content-type', environ.CONTENT_TYPE);
  if (environ.CONTENT_LENGTH) headers.set('content-length', environ.CONTENT_LENGTH);
  return headers;
}

/** `wsgi.input` as a stream, read only as fast as the handler consumes it. */
function inputStream(input: InputStream): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = await input.read(READ_SIZE);
        if (chunk.byteLength === 0) controller.close();
        else controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
}

function toRequest(environ: Environ): Request {
  const method = environ.REQUEST_METHOD;
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(requestUrl(environ), {
    method,
    headers: requestHeaders(environ),
    body: hasBody ? inputStream(environ['wsgi.input']) : null,
    duplex: 'half',
  });
}

function responseHeaders(headers: Headers): Header[] {
  const out: Header[] = [];
  for (const [name, value] of headers) {
    // TSGI servers refuse hop-by-hop headers from applications; the handler may not know that.
    if (name === 'set-cookie' || HOP_BY_HOP.has(name)) continue;
    out.push([name, value]);
  }
  // One header per cookie: joined with commas they could not be told apart (cookie dates hold commas).
  for (const cookie of headers.getSetCookie()) out.push(['set-cookie', cookie]);
  return out;
}

/** Streams a response body; `close()` cancels it when the server stops early. */
function streamBody(stream: ReadableStream<Uint8Array> | null): Body {
  const reader = stream?.getReader();
  let finished = reader === undefined;
  return {
    async *[Symbol.asyncIterator]() {
      if (!reader) return;
      try {
        for (;;) {
          const next = await reader.read();
          if (next.done) break;
          yield next.value;
        }
        finished = true;
      } catch (error) {
        finished = true; // an errored stream cannot be cancelled
        throw error;
      }
    },
    async close() {
      if (finished || !reader) return;
      finished = true;
      await reader.cancel();
    },
  };
}

/** Mounts a fetch handler as a TSGI application. */
export function fromFetchHandler(handler: FetchHandler): Application {
  return async (environ, startResponse) => {
    const response = await handler(toRequest(environ));
    if (response.type === 'error') {
      throw new TsgiError('the fetch handler returned a network error (Response.error())');
    }
    const reason = response.statusText || STATUS_CODES[response.status] || 'Unknown';
    startResponse(`${response.status} ${reason}`, responseHeaders(response.headers));
    return streamBody(response.body);
  };
}
