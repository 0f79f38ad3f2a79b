/**
 * gunicorn's request limits, checked before a request reaches the app.
 * node:http's parser already refuses malformed HTTP; these bound what is
 * well-formed but too big.
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

/** Why the request must be refused, or undefined when it is within the limits. */
export function checkLimits(req: IncomingMessage, limits: RequestLimits): Refusal | undefined {
  const line = (req.method?.length ?? 0) + (req.url?.length ?? 0) + 10;
  if (limits.requestLine > 0 && line > limits.requestLine) {
    return { status: '414 URI Too Long', message: `request line is longer than ${limits.requestLine} bytes` };
  }
  const raw = req.rawHeaders;
  if (limits.fields > 0 && raw.length / 2 > limits.fields) {
    return { status: '431 Request Header Fields Too Large', message: `more than ${limits.fields} header fields` };
  }
  if (limits.fieldSize > 0) {
    for (let i = 0; i < raw.length; i += 2) {
      if ((raw[i] as string).length + (raw[i + 1] as string).length + 2 > limits.fieldSize) {
        return { status: '431 Request Header Fields Too Large', message: `header ${raw[i]} is longer than ${limits.fieldSize} bytes` };
      }
    }
  }
  const length = req.headers['content-length'];
  if (limits.body > 0 && length !== undefined && Number(length) > limits.body) {
    return { status: '413 Content Too Large', message: `request body is larger than ${limits.body} bytes` };
  }
  return undefined;
}
