/**
 * gunicorn's request limits, checked before a request reaches the app.
 * node:http's parser already refuses most malformed HTTP; these bound what
 * is well-formed but too big, and refuse the framing the parser lets through
 * to the request handler before it fails on the body (RFC 9112).
 */
import type { IncomingMessage } from 'node:http';

export interface RequestLimits {
  /** Longest request line (`GET /path HTTP/1.1`), in bytes. */
  requestLine: number;
  /** Most header fields. */
  fields: number;
  /** Longest header field, `Name: value`, in bytes. */
  fieldSize: number;
  /** Largest request body, in bytes; 0 for no limit. */
  body: number;
}

export const DEFAULT_LIMITS: RequestLimits = {
  requestLine: 4094,
  fields: 100,
  fieldSize: 8190,
  body: 10 * 1024 * 1024,
};

export interface Refusal {
  status: string;
  message: string;
}

/** The parser's own header budget: enough for every allowed field, never less than node's default. */
export function maxHeaderSize(limits: RequestLimits): number {
  return Math.max(16 * 1024, Math.min(1024 * 1024, limits.requestLine + limits.fields * (limits.fieldSize + 4)));
}

const BAD_REQUEST = '400 Bad Request';
const TOO_LARGE_FIELDS = '431 Request Header Fields Too Large';

/**
 * What node's parser accepts in the head but RFC 9112 forbids: a version
 * other than HTTP/1.x (llhttp takes `HTTP/2.0` and HTTP/0.9's bare
 * `GET /`), more than one Host (§3.2), and a Transfer-Encoding that is not
 * exactly one final `chunked` or comes in HTTP/1.0 (§6.1, §6.3: the body's
 * length cannot be known; llhttp fails only once the handler has run).
 */
function checkFraming(req: IncomingMessage, hosts: number, encoding: string | undefined): Refusal | undefined {
  if (req.httpVersionMajor !== 1) {
    return { status: '505 HTTP Version Not Supported', message: `HTTP/${req.httpVersion} is not supported` };
  }
  if (hosts > 1) return { status: BAD_REQUEST, message: 'more than one Host header' };
  if (encoding !== undefined) {
    if (req.httpVersionMinor === 0) return { status: BAD_REQUEST, message: 'Transfer-Encoding in an HTTP/1.0 request' };
    const codings = encoding.split(',').map((coding) => coding.trim().toLowerCase());
    if (codings.at(-1) !== 'chunked' || codings.indexOf('chunked') !== codings.length - 1) {
      return { status: BAD_REQUEST, message: `Transfer-Encoding ${JSON.stringify(encoding)} does not end in a single chunked` };
    }
  }
  return undefined;
}

/**
 * Why the request must be refused, or undefined when it is within the
 * limits. One pass over the raw headers: `req.headers` would build an object
 * of them all on every request.
 */
/** `http://host/path`: the absolute-form a request to a proxy uses (RFC 9112 §3.2.2). */
const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * RFC 9112 §3.2: a request target is a path (origin-form), an absolute URL,
 * or `*` for `OPTIONS` alone (asterisk-form); node's parser takes any token.
 */
function checkTarget(method: string | undefined, target: string): Refusal | undefined {
  if (target.charCodeAt(0) === 0x2f || ABSOLUTE_FORM.test(target)) return undefined;
  if (target === '*') {
    return method === 'OPTIONS' ? undefined : { status: BAD_REQUEST, message: 'the request target * is for OPTIONS only' };
  }
  return { status: BAD_REQUEST, message: 'the request target must be a path' };
}

/** `name` is the header `lower` in any case; `usual` (how clients spell it) is tried first, without lower-casing. */
function isName(name: string, usual: string, lower: string): boolean {
  return name === usual || name === lower || name.toLowerCase() === lower;
}

export function checkLimits(req: IncomingMessage, limits: RequestLimits): Refusal | undefined {
  const line = (req.method?.length ?? 0) + (req.url?.length ?? 0) + 10;
  if (limits.requestLine > 0 && line > limits.requestLine) {
    return { status: '414 URI Too Long', message: `request line is longer than ${limits.requestLine} bytes` };
  }
  const raw = req.rawHeaders;
  if (limits.fields > 0 && raw.length / 2 > limits.fields) {
    return { status: TOO_LARGE_FIELDS, message: `more than ${limits.fields} header fields` };
  }
  let hosts = 0;
  let length: string | undefined;
  let encoding: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    if (limits.fieldSize > 0 && name.length + value.length + 2 > limits.fieldSize) {
      return { status: TOO_LARGE_FIELDS, message: `header ${name} is longer than ${limits.fieldSize} bytes` };
    }
    // Only a few names matter here; compare lengths first to skip the rest
    // cheaply, and the usual spelling before lower-casing (which allocates).
    if (name.length === 4 && isName(name, 'Host', 'host')) hosts += 1;
    else if (name.length === 14 && length === undefined && isName(name, 'Content-Length', 'content-length')) length = value;
    else if (name.length === 17 && isName(name, 'Transfer-Encoding', 'transfer-encoding')) encoding = encoding === undefined ? value : `${encoding}, ${value}`;
  }
  if (limits.body > 0 && length !== undefined && Number(length) > limits.body) {
    return { status: '413 Content Too Large', message: `request body is larger than ${limits.body} bytes` };
  }
  return checkFraming(req, hosts, encoding) ?? checkTarget(req.method, req.url ?? '');
}
