/**
 * The server side of the TSGI contract, shared by every server: the HTTP
 * server, the test client and the fetch adapter. It calls the application,
 * enforces PEP 3333's rules and hands bytes to a `ResponseSink`.
 */
import { loggedTarget } from '../logging/redact.js';
import { HttpError, TsgiError } from './errors.js';
import { checkHeaders, getHeader, parseStatus } from './headers.js';
import type { Application, Body, Environ, Header, StartResponse } from './types.js';

/** Where a server puts the response; each server implements one. */
export interface ResponseSink {
  /** Sends status and headers: once, before the first body byte or at the end. */
  sendHeaders(status: string, headers: Header[]): void;
  /** Sends body bytes; a returned promise applies back-pressure. */
  write(chunk: Uint8Array): void | Promise<void>;
  /** Ends a complete response, sending `lastChunk` first when given (one write instead of two). */
  end(lastChunk?: Uint8Array): void;
  /** Cuts a response whose headers are out but whose body cannot complete. */
  abort(error: Error): void;
}

/** What the runner needs to know of the client; an `AbortSignal` can be adapted to it. */
export interface ClientSignal {
  readonly aborted: boolean;
  /** Resolves when the client goes away; lets a body that waits for its next chunk be stopped. */
  whenAborted?(): Promise<void>;
}

export interface RunOptions {
  /** Aborted when the client goes away: iteration stops, `close()` still runs. */
  signal?: ClientSignal;
  /** Rethrow application errors instead of answering 500 (the test client). */
  raiseErrors?: boolean;
}

const INTERNAL_ERROR_BODY = new TextEncoder().encode('Internal Server Error\n');

/** Tracks what PEP 3333 needs to know about one response in flight. */
class ResponseState {
  status: string | undefined;
  /** The status code, from the status line. */
  code = 0;
  headers: Header[] = [];
  headersSent = false;
  contentLength: number | undefined;
  bytesSent = 0;

  constructor(
    private readonly sink: ResponseSink,
    private readonly isHead: boolean,
  ) {}

  readonly startResponse: StartResponse = (status, headers, excInfo) => {
    if (this.status !== undefined && excInfo === undefined) {
      throw new TsgiError('startResponse called a second time without excInfo');
    }
    if (excInfo !== undefined && this.headersSent) {
      // PEP 3333: re-raise the original error once the headers are out.
      throw excInfo instanceof Error ? excInfo : new TsgiError(String(excInfo));
    }
    const code = parseStatus(status);
    checkHeaders(headers);
    const length = getHeader(headers, 'content-length');
    if (length !== undefined && !/^\d+$/.test(length)) {
      throw new TsgiError(`Content-Length ${JSON.stringify(length)} is not a non-negative integer`);
    }
    this.status = status;
    this.code = code;
    this.headers = headers;
    this.contentLength = length === undefined ? undefined : Number(length);
    return (chunk) => {
      void this.write(chunk);
    };
  };

  sendHeadersOnce(): void {
    if (this.headersSent) return;
    if (this.status === undefined) {
      throw new TsgiError('the application returned its body without calling startResponse');
    }
    this.headersSent = true;
    this.sink.sendHeaders(this.status, this.headers);
  }

  /** Checks a chunk against the contract and counts it; false when it is not to be sent (empty, or HEAD). */
  private admit(chunk: Uint8Array): boolean {
    if (!(chunk instanceof Uint8Array)) {
      throw new TsgiError(`body chunks must be Uint8Array, got ${typeof chunk}`);
    }
    if (chunk.byteLength === 0) return false;
    // Checked before the headers go out, so an oversized first chunk is still a clean 500.
    if (!this.isHead && this.contentLength !== undefined && chunk.byteLength > this.contentLength - this.bytesSent) {
      throw new TsgiError(`the application sent more than its Content-Length of ${this.contentLength} bytes`);
    }
    this.sendHeadersOnce();
    if (this.isHead) return false;
    this.bytesSent += chunk.byteLength;
    return true;
  }

  write(chunk: Uint8Array): void | Promise<void> {
    if (this.admit(chunk)) return this.sink.write(chunk);
  }

  /** Adds a Content-Length when the whole body is already known. */
  setLengthFromChunks(chunks: readonly Uint8Array[]): void {
    if (this.headersSent || this.status === undefined || this.contentLength !== undefined) return;
    // 1xx, 204 and 304 responses carry no body and must not announce one (RFC 9110 §8.6).
    if (this.code < 200 || this.code === 204 || this.code === 304) return;
    let total = 0;
    for (const chunk of chunks) {
      if (!(chunk instanceof Uint8Array)) return;
      total += chunk.byteLength;
    }
    this.contentLength = total;
    // A copy: the application's list may be a constant it sends again.
    const headers = this.headers.slice();
    headers.push(['Content-Length', String(total)]);
    this.headers = headers;
  }

  /** Ends the response, with the body's last chunk when it is known to be last. */
  finish(lastChunk?: Uint8Array): void {
    const sendLast = lastChunk !== undefined && this.admit(lastChunk);
    this.sendHeadersOnce();
    if (!this.isHead && this.contentLength !== undefined && this.bytesSent < this.contentLength) {
      throw new TsgiError(
        `the application sent ${this.bytesSent} of the ${this.contentLength} bytes its Content-Length promised`,
      );
    }
    this.sink.end(sendLast ? lastChunk : undefined);
  }
}

/** A body already in memory: sent without a single await, the common case worth keeping cheap. */
function sendChunks(chunks: readonly Uint8Array[], state: ResponseState, signal: RunOptions['signal']): void {
  state.setLengthFromChunks(chunks);
  const last = chunks.length - 1;
  // Back-pressure is moot for bytes already in memory.
  for (let i = 0; i < last; i++) void state.write(chunks[i] as Uint8Array);
  if (signal?.aborted) throw new ClientGone();
  state.finish(chunks[last]);
}

/** The client went away mid-response: the response is cut, nothing is reported. */
class ClientGone extends Error {
  constructor() {
    super('client disconnected');
  }
}

async function iterate(body: Body, state: ResponseState, signal: RunOptions['signal']): Promise<void> {
  if (Symbol.asyncIterator in body) return iterateAsync(body, state, signal);
  for (const chunk of body) {
    if (signal?.aborted) return;
    const pending = state.write(chunk);
    if (pending) await pending;
  }
}

const GONE = Symbol('client gone');

/**
 * An async body may wait long for its next chunk (server-sent events, say).
 * When the client leaves meanwhile, stop waiting at once, so `close()` runs
 * now and can end the wait, rather than after a next chunk that may never come.
 */
async function iterateAsync(body: AsyncIterable<Uint8Array>, state: ResponseState, signal: RunOptions['signal']): Promise<void> {
  const iterator = body[Symbol.asyncIterator]();
  const gone = signal?.whenAborted?.().then((): typeof GONE => GONE);
  for (;;) {
    const next = iterator.next();
    const result = gone ? await Promise.race([next, gone]) : await next;
    if (result === GONE) {
      next.catch(() => {}); // settles after close(); nobody waits for it any more
      void Promise.resolve(iterator.return?.()).catch(() => {});
      return;
    }
    if (result.done) return;
    if (signal?.aborted) {
      await iterator.return?.();
      return;
    }
    const pending = state.write(result.value);
    if (pending) await pending;
  }
}

function checkBody(body: unknown): asserts body is Body {
  if (typeof body === 'string') {
    throw new TsgiError('the application returned a string; return an iterable of Uint8Array chunks');
  }
  if (body === null || typeof body !== 'object' || !(Symbol.iterator in body || Symbol.asyncIterator in body)) {
    throw new TsgiError(`the application must return an iterable of Uint8Array chunks, got ${String(body)}`);
  }
}

/** Writes an error to `wsgi.errors`, with its stack. */
export function reportError(environ: Environ, error: unknown): void {
  const text = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  // A sensitive route's values (a reset token) masked, as in every log.
  environ['wsgi.errors'].write(`Error handling ${environ.REQUEST_METHOD} ${loggedTarget(environ, environ.RAW_URI ?? environ.PATH_INFO)}: ${text}\n`);
}

/** Errors that are answers, not bugs: a client gone, or an HttpError's own status. Never raised to a test. */
function isAnswerable(error: unknown): boolean {
  return error instanceof ClientGone || error instanceof HttpError;
}

function isPlainArray(body: unknown): body is Uint8Array[] {
  return Array.isArray(body) && typeof (body as Body).close !== 'function';
}

/**
 * What an error becomes: a 500 (or an HttpError's own status) while the
 * headers are not out, a cut connection after.
 */
function fail(error: unknown, environ: Environ, state: ResponseState, sink: ResponseSink): void {
  if (error instanceof ClientGone) return sink.abort(error);
  if (!(error instanceof HttpError)) reportError(environ, error);
  if (state.headersSent) return sink.abort(error instanceof Error ? error : new Error(String(error)));
  const status = error instanceof HttpError ? error.status : '500 Internal Server Error';
  const body = error instanceof HttpError ? Buffer.from(`${error.message}\n`) : INTERNAL_ERROR_BODY;
  sink.sendHeaders(status, [
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', String(body.byteLength)],
  ]);
  sink.end(environ.REQUEST_METHOD === 'HEAD' ? undefined : body);
}

const DONE = Promise.resolve();

/**
 * Runs `app` for one request. Never rejects unless `raiseErrors` is set: an
 * error before the headers are out becomes a 500, after that the sink is
 * aborted. The body's `close()` is always called.
 */
export function runApplication(
  app: Application,
  environ: Environ,
  sink: ResponseSink,
  options: RunOptions = {},
): Promise<void> {
  const state = new ResponseState(sink, environ.REQUEST_METHOD === 'HEAD');
  let result: Body | Promise<Body>;
  try {
    result = app(environ, state.startResponse);
    if (isPlainArray(result)) {
      sendChunks(result, state, options.signal);
      return DONE;
    }
  } catch (error) {
    if (options.raiseErrors && !isAnswerable(error)) return Promise.reject(error);
    fail(error, environ, state, sink);
    return DONE;
  }
  return runAsync(result, environ, state, sink, options);
}

async function runAsync(
  result: Body | Promise<Body>,
  environ: Environ,
  state: ResponseState,
  sink: ResponseSink,
  options: RunOptions,
): Promise<void> {
  let body: Body | undefined;
  try {
    body = await result;
    checkBody(body);
    if (Array.isArray(body)) {
      sendChunks(body, state, options.signal);
    } else {
      await iterate(body, state, options.signal);
      if (options.signal?.aborted) throw new ClientGone();
      state.finish();
    }
  } catch (error) {
    if (options.raiseErrors && !isAnswerable(error)) throw error;
    fail(error, environ, state, sink);
  } finally {
    await closeBody(body, environ);
  }
}

async function closeBody(body: Body | undefined, environ: Environ): Promise<void> {
  if (!body || typeof body.close !== 'function') return;
  try {
    await body.close();
  } catch (error) {
    reportError(environ, error);
  }
}
