import { BodyReader } from './input.js';
import type { Environ, ErrorStream, InputStream } from './types.js';

/** What a server knows about a request before it builds the environ. */
export interface RequestFacts {
  method: string;
  /** The request target as sent: path and query, e.g. `/a%20b?x=1`. */
  target: string;
  /** Header pairs in arrival order, names in any case. */
  headers?: Iterable<readonly [string, string]>;
  /** Headers in node's flat `rawHeaders` layout, `[name, value, name, value, …]`: the server's cheap path. */
  rawHeaders?: readonly string[];
  input?: InputStream;
  scheme?: 'http' | 'https';
  protocol?: string;
  serverName?: string;
  serverPort?: string;
  remoteAddr?: string;
  remotePort?: string;
  scriptName?: string;
  errors?: ErrorStream;
  multiprocess?: boolean;
}

export const stderrStream: ErrorStream = {
  write: (text) => void process.stderr.write(text),
  flush: () => {},
};

const PERCENT = /%([0-9A-Fa-f]{2})/g;

/** Percent-decodes a path into latin-1 code units, one char per byte (PEP 3333). */
export function decodePath(rawPath: string): string {
  if (!rawPath.includes('%')) return rawPath;
  return rawPath.replace(PERCENT, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Path characters that need no escaping: RFC 3986 `pchar` and `/`. */
const UNSAFE_IN_PATH = /[^\w\-.~!$&'()*+,;=:@/]/gu;

/** Percent-encodes a PEP 3333 path, whose chars are latin-1 code units standing for bytes. */
export function encodePath(path: string): string {
  return path.replace(UNSAFE_IN_PATH, (char) => {
    const code = char.codePointAt(0) ?? 0;
    if (code <= 0xff) return '%' + code.toString(16).toUpperCase().padStart(2, '0');
    // Not a byte: only a careless middleware puts this here; UTF-8 is the best guess.
    return encodeURIComponent(char);
  });
}

/**
 * Header name as sent → its CGI key, or null for a name holding `_` (dropped,
 * as gunicorn does, so that it cannot pose as another header). Cached: the
 * same few names arrive on every request, and one lookup of the fresh string
 * node hands us replaces an `includes`, an upper-casing and a replace.
 */
const CGI_NAMES = new Map<string, string | null>();
const CGI_NAMES_MAX = 1000;

/** `Content-Type` → `HTTP_CONTENT_TYPE`, as CGI names request headers; null when the name holds `_`. */
function cgiName(header: string): string | null {
  let key = CGI_NAMES.get(header);
  if (key === undefined) {
    key = header.includes('_') ? null : 'HTTP_' + header.toUpperCase().replaceAll('-', '_');
    if (CGI_NAMES.size < CGI_NAMES_MAX) CGI_NAMES.set(header, key);
  }
  return key;
}

/**
 * Adds one request header to the environ. A repeated header is joined to its
 * first value; repeats are found among the keys this request added so far
 * (`added`, a handful) rather than by reading the environ by a computed key,
 * which on an object of this size is a megamorphic lookup that misses
 * through the prototype chain, once per header.
 */
function addHeader(environ: Environ, added: string[], name: string, value: string): void {
  const key = cgiName(name);
  if (key === null) return;
  if (key === 'HTTP_CONTENT_TYPE') {
    environ.CONTENT_TYPE = value;
    return;
  }
  if (key === 'HTTP_CONTENT_LENGTH') {
    environ.CONTENT_LENGTH = value;
    return;
  }
  if (added.includes(key)) {
    environ[key] = `${environ[key] as string}${key === 'HTTP_COOKIE' ? '; ' : ','}${value}`;
    return;
  }
  added.push(key);
  environ[key] = value;
}

/** One frozen `(1, 0)` for every request, instead of an array each. */
const WSGI_VERSION: readonly [1, 0] = Object.freeze([1, 0] as const);

/**
 * `wsgi.input` of a request built without one: an empty body. Shared: a
 * reader without a source keeps no state (every read returns the same empty
 * bytes), and the server sets its own reader right after.
 */
const NO_BODY: InputStream = new BodyReader(undefined, 0);

/** An absolute-form target (`GET http://host/path`, RFC 9112 §3.2.2) routes by its path, as gunicorn does. */
const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

/** Builds a PEP 3333 environ. */
export function buildEnviron(facts: RequestFacts): Environ {
  const target = facts.target.startsWith('/') ? facts.target : facts.target.replace(ABSOLUTE_FORM, '') || '/';
  const queryStart = target.indexOf('?');
  const rawPath = queryStart === -1 ? target : target.slice(0, queryStart);
  const environ: Environ = {
    REQUEST_METHOD: facts.method,
    SCRIPT_NAME: facts.scriptName ?? '',
    PATH_INFO: decodePath(rawPath),
    QUERY_STRING: queryStart === -1 ? '' : target.slice(queryStart + 1),
    SERVER_NAME: facts.serverName ?? 'localhost',
    SERVER_PORT: facts.serverPort ?? (facts.scheme === 'https' ? '443' : '80'),
    SERVER_PROTOCOL: facts.protocol ?? 'HTTP/1.1',
    RAW_URI: facts.target,
    'wsgi.version': WSGI_VERSION,
    'wsgi.url_scheme': facts.scheme ?? 'http',
    'wsgi.input': facts.input ?? NO_BODY,
    'wsgi.errors': facts.errors ?? stderrStream,
    'wsgi.multithread': false,
    'wsgi.multiprocess': facts.multiprocess ?? false,
    'wsgi.run_once': false,
    'wsgi.input_terminated': true,
  };
  if (facts.remoteAddr !== undefined) environ.REMOTE_ADDR = facts.remoteAddr;
  if (facts.remotePort !== undefined) environ.REMOTE_PORT = facts.remotePort;
  const added: string[] = [];
  const raw = facts.rawHeaders;
  if (raw) for (let i = 0; i < raw.length; i += 2) addHeader(environ, added, raw[i] as string, raw[i + 1] as string);
  if (facts.headers) for (const [name, value] of facts.headers) addHeader(environ, added, name, value);
  return environ;
}
