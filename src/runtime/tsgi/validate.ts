/**
 * `validate(app)`: Python's `wsgiref.validate` carried to TSGI. It sits
 * between a server and an application and checks both sides of the contract
 * (README.md, TSGI), so a breach fails loudly where it happens instead of as a
 * garbled response later. Every violation is a `ValidationError` whose message
 * starts with the part of the contract it breaks.
 */
import { TsgiError } from './errors.js';
import { checkHeaders, getHeader, parseStatus } from './headers.js';
import type { Application, Body, Environ, ErrorStream, Header, InputStream, StartResponse } from './types.js';

/** A breach of the TSGI contract found by `validate`. */
export class ValidationError extends TsgiError {
  override name = 'ValidationError';
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ValidationError(message);
}

/** Runs a shared check from headers.ts, reporting its TsgiError as a ValidationError. */
function checkWith<T>(area: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof TsgiError) throw new ValidationError(`${area}: ${error.message}`);
    throw error;
  }
}

/** Names a value's type for messages: `typeof` alone calls arrays, bytes and null "object". */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return 'Uint8Array';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function hasMethods(value: unknown, names: readonly (string | symbol)[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string | symbol, unknown>;
  return names.every((name) => typeof record[name] === 'function');
}

const REQUIRED_KEYS = [
  'REQUEST_METHOD', 'SCRIPT_NAME', 'PATH_INFO', 'QUERY_STRING', 'SERVER_NAME', 'SERVER_PORT',
  'SERVER_PROTOCOL', 'wsgi.version', 'wsgi.url_scheme', 'wsgi.input', 'wsgi.errors',
  'wsgi.multithread', 'wsgi.multiprocess', 'wsgi.run_once',
] as const;

/** The server side: the environ a server hands to the application (PEP 3333 "environ Variables"). */
function checkEnviron(environ: unknown): asserts environ is Environ {
  check(typeof environ === 'object' && environ !== null && !Array.isArray(environ),
    `environ: must be an object, got ${describe(environ)}`);
  const env = environ as Record<string, unknown>;
  for (const key of REQUIRED_KEYS) {
    check(env[key] !== undefined, `environ: required key ${key} is missing`);
  }
  for (const key of ['HTTP_CONTENT_TYPE', 'HTTP_CONTENT_LENGTH']) {
    check(!(key in env), `environ: ${key} must not be set; CGI names that header ${key.slice(5)}`);
  }
  // CGI variables are the keys without a dot; extensions (`wsgi.*`, `myapp.*`) may hold anything.
  for (const [key, value] of Object.entries(env)) {
    if (key.includes('.') || value === undefined) continue;
    check(typeof value === 'string', `environ: CGI variable ${key} must be a string, got ${describe(value)}`);
  }
  const version = env['wsgi.version'];
  check(Array.isArray(version) && version.length === 2 && version[0] === 1 && version[1] === 0,
    `environ: wsgi.version must be [1, 0], got ${JSON.stringify(version)}`);
  const scheme = env['wsgi.url_scheme'];
  check(scheme === 'http' || scheme === 'https', `environ: wsgi.url_scheme must be 'http' or 'https', got ${JSON.stringify(scheme)}`);
  const method = String(env.REQUEST_METHOD);
  check(/^[A-Z]+$/.test(method), `environ: REQUEST_METHOD must be an upper-case token like GET, got ${JSON.stringify(method)}`);
  for (const key of ['SCRIPT_NAME', 'PATH_INFO']) {
    const path = String(env[key]);
    check(path === '' || path.startsWith('/'), `environ: ${key} must be empty or start with '/', got ${JSON.stringify(path)}`);
  }
  check(env.SCRIPT_NAME !== '/', "environ: SCRIPT_NAME cannot be '/'; use '' and let PATH_INFO start with '/'");
  const length = env.CONTENT_LENGTH;
  check(length === undefined || /^\d+$/.test(String(length)),
    `environ: CONTENT_LENGTH must be digits when present, got ${JSON.stringify(length)}`);
  check(hasMethods(env['wsgi.input'], ['read', 'readline', 'readlines', Symbol.asyncIterator]),
    'environ: wsgi.input must have read(), readline(), readlines() and async iteration');
  check(hasMethods(env['wsgi.errors'], ['write', 'flush']), 'environ: wsgi.errors must have write() and flush()');
}

/** The application side of one `startResponse` call (PEP 3333 "The start_response() Callable"). */
function checkStartResponseArgs(status: unknown, headers: unknown, excInfo: unknown, calledBefore: boolean): void {
  // A JS error handler passes what it caught; null would read as "given" to the server.
  check(excInfo === undefined || excInfo instanceof Error,
    `startResponse: excInfo must be the caught Error, or undefined when there is none; got ${describe(excInfo)}`);
  check(!calledBefore || excInfo !== undefined,
    'startResponse: called a second time without excInfo; only an error handler may replace the status, passing the caught error');
  // parseStatus's pattern starts with [1-9], which also ensures a code of at least 100.
  const code = checkWith('startResponse', () => parseStatus(status));
  checkWith('startResponse', () => checkHeaders(headers));
  const pairs = headers as Header[];
  for (const [name] of pairs) {
    check(name.toLowerCase() !== 'status', 'startResponse: a Status header is not allowed; the status goes in the first argument');
    check(!/[-_]$/.test(name), `startResponse: header name ${JSON.stringify(name)} must not end with '-' or '_'`);
  }
  const hasType = getHeader(pairs, 'content-type') !== undefined;
  if (code === 204 || code === 304) {
    check(!hasType, `startResponse: a ${code} response has no body, so it must not have a Content-Type`);
  } else if (code >= 200) {
    check(hasType, `startResponse: a Content-Type header is required for a ${code} response`);
  }
}

/** What validate learns about one response while it runs. */
interface ResponseLog {
  started: boolean;
  closed: boolean;
}

function wrapStartResponse(startResponse: StartResponse, log: ResponseLog): StartResponse {
  return (status, headers, excInfo) => {
    checkStartResponseArgs(status, headers, excInfo, log.started);
    log.started = true;
    const write = startResponse(status, headers, excInfo);
    return (chunk) => {
      check(chunk instanceof Uint8Array, `write(): takes a Uint8Array, got ${describe(chunk)}`);
      check(!log.closed, 'write(): called after the response body was closed');
      write(chunk);
    };
  };
}

/** The application's return value, before anyone iterates it. */
function checkResult(body: unknown): asserts body is Body {
  check(body !== null && body !== undefined, 'body: the application must return an iterable of Uint8Array chunks, if only []');
  check(typeof body !== 'string', 'body: the application returned a string; return [new TextEncoder().encode(text)]');
  // Iterating bytes yields numbers, so a lone Uint8Array (or Buffer) would be sent one number at a time.
  check(!(body instanceof Uint8Array), 'body: the application returned a single Uint8Array; wrap it in an array: [bytes]');
  check(typeof body === 'object' && (Symbol.iterator in body || Symbol.asyncIterator in body),
    `body: the application must return an Iterable or AsyncIterable of Uint8Array, got ${describe(body)}`);
  const close: unknown = (body as { close?: unknown }).close;
  check(close === undefined || typeof close === 'function', `body: close must be a function, got ${describe(close)}`);
}

/** Wraps the body: it keeps its sync or async nature, checks every chunk and forwards `close()`. */
function wrapBody(body: Body, log: ResponseLog): Body {
  let iterated = false;
  const close = (): void | Promise<void> => {
    check(!log.closed, 'body: close() called twice; the server must call it exactly once');
    log.closed = true;
    return body.close?.();
  };
  const begin = (): void => {
    check(!iterated, 'body: iterated a second time; a server may iterate the body only once');
    iterated = true;
  };
  const checkChunk = (chunk: unknown): Uint8Array => {
    check(!log.closed, 'body: iterated after close()');
    check(chunk instanceof Uint8Array, `body: chunks must be Uint8Array, got ${describe(chunk)}`);
    check(log.started, 'body: a chunk was yielded before startResponse was called');
    return chunk;
  };
  const end = (): void => check(log.started, 'body: the body ended without startResponse being called');

  if (Array.isArray(body)) {
    // An array runs no code when iterated, so startResponse must already have
    // been called. It stays an array (the server sizes those with a
    // Content-Length) and is safe to iterate more than once.
    const chunks = (body as unknown[]).map(checkChunk);
    end();
    return Object.assign(chunks, { close });
  }
  if (Symbol.asyncIterator in body) {
    const source = body;
    return {
      async *[Symbol.asyncIterator]() {
        begin();
        for await (const chunk of source) yield checkChunk(chunk);
        end();
      },
      close,
    };
  }
  const source = body;
  return {
    *[Symbol.iterator]() {
      begin();
      for (const chunk of source) yield checkChunk(chunk);
      end();
    },
    close,
  };
}

function checkSize(method: string, size: unknown): void {
  check(size === undefined || (Number.isInteger(size) && (size as number) >= 0),
    `wsgi.input: ${method}(size) takes a non-negative integer or nothing, got ${String(size)}`);
}

/** The server must hand out bytes; anything else would break the application quietly. */
function checkBytes(method: string, value: unknown): Uint8Array {
  check(value instanceof Uint8Array, `wsgi.input: ${method} must give Uint8Array, got ${describe(value)}`);
  return value;
}

function wrapInput(input: InputStream): InputStream {
  return {
    async read(size?: number) {
      checkSize('read', size);
      return checkBytes('read()', await input.read(size));
    },
    async readline(size?: number) {
      checkSize('readline', size);
      return checkBytes('readline()', await input.readline(size));
    },
    async readlines() {
      return (await input.readlines()).map((line) => checkBytes('readlines()', line));
    },
    async *[Symbol.asyncIterator]() {
      for await (const line of input) yield checkBytes('iteration', line);
    },
  };
}

function wrapErrors(errors: ErrorStream): ErrorStream {
  return {
    write(text: string) {
      check(typeof text === 'string', `wsgi.errors: write() takes a string, got ${describe(text)}`);
      errors.write(text);
    },
    flush: () => errors.flush(),
  };
}

/** Wraps `app` so that both it and its server are checked against the TSGI contract. */
export function validate(app: Application): Application {
  return async (environ, startResponse) => {
    checkEnviron(environ);
    check(typeof startResponse === 'function', 'startResponse: must be a function');
    const log: ResponseLog = { started: false, closed: false };
    // A copy, so the server's own environ keeps its unwrapped streams.
    const checked: Environ = {
      ...environ,
      'wsgi.input': wrapInput(environ['wsgi.input']),
      'wsgi.errors': wrapErrors(environ['wsgi.errors']),
    };
    const body: unknown = await app(checked, wrapStartResponse(startResponse, log));
    checkResult(body);
    return wrapBody(body, log);
  };
}
