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

/** Header name → CGI key, cached: the same few names arrive on every request. */
const CGI_NAMES = new Map<string, string>();
const CGI_NAMES_MAX = 1000;

/** `Content-Type` → `HTTP_CONTENT_TYPE`, as CGI names request headers. */
function cgiName(header: string): string {
  let key = CGI_NAMES.get(header);
  if (key === undefined) {
    key = 'HTTP_' + header.toUpperCase().replaceAll('-', '_');
    if (CGI_NAMES.size < CGI_NAMES_MAX) CGI_NAMES.set(header, key);
  }
  return key;
}

/** Header names holding `_` are dropped, as gunicorn does, so they cannot pose as another header. */
function addHeader(environ: Environ, name: string, value: string): void {
  if (name.includes('_')) return;
  const key = cgiName(name);
  if (key === 'HTTP_CONTENT_TYPE') {
    environ.CONTENT_TYPE = value;
    return;
  }
  if (key === 'HTTP_CONTENT_LENGTH') {
    environ.CONTENT_LENGTH = value;
    return;
  }
  const previous = environ[key];
  if (typeof previous === 'string') environ[key] = previous + (key === 'HTTP_COOKIE' ? '; ' : ',') + value;
  else environ[key] = value;
}

/** Builds a PEP 3333 environ. */
/** An absolute-form target (`GET http://host/path`, RFC 9112 §3.2.2) routes by its path, as gunicorn does. */
const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

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
    'wsgi.version': [1, 0],
    'wsgi.url_scheme': facts.scheme ?? 'http',
    // No source: an empty body, without allocating a stream (the server sets its own right after).
    'wsgi.input': facts.input ?? new BodyReader(undefined, 0),
    'wsgi.errors': facts.errors ?? stderrStream,
    'wsgi.multithread': false,
    'wsgi.multiprocess': facts.multiprocess ?? false,
    'wsgi.run_once': false,
    'wsgi.input_terminated': true,
  };
  if (facts.remoteAddr !== undefined) environ.REMOTE_ADDR = facts.remoteAddr;
  if (facts.remotePort !== undefined) environ.REMOTE_PORT = facts.remotePort;
  const raw = facts.rawHeaders;
  if (raw) for (let i = 0; i < raw.length; i += 2) addHeader(environ, raw[i] as string, raw[i + 1] as string);
  if (facts.headers) for (const [name, value] of facts.headers) addHeader(environ, name, value);
  return environ;
}
