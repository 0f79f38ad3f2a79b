/**
 * The access log: one line per response, in gunicorn's `--access-logformat`
 * atoms (`%(h)s %(t)s "%(r)s" %(s)s %(b)s`) or as JSON. The format is
 * compiled once into a list of small functions, so a request costs a join.
 */
import { createWriteStream } from 'node:fs';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { OptionError } from './errors.js';

/** gunicorn's default access log format. */
export const DEFAULT_ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"';

export interface AccessEntry {
  remoteAddr: string;
  /** When the request arrived. */
  time: Date;
  method: string;
  /** The request target as sent: path and query. */
  target: string;
  protocol: string;
  status: number;
  /** Body bytes sent. */
  bytes: number;
  /** Time from arrival to the last byte, in nanoseconds. */
  durationNs: bigint;
  requestHeaders: IncomingHttpHeaders;
  responseHeaders: OutgoingHttpHeaders;
  /** The request's `request_id`, `trace_id` and `span_id`, as its other log lines have them; asked for by JSON lines only. */
  ids?: (() => Record<string, string>) | undefined;
}

type Atom = (entry: AccessEntry) => string;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** Common Log Format time, in UTC: `[10/Oct/2000:13:55:36 +0000]`. */
export function clfTime(date: Date): string {
  return (
    `[${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000]`
  );
}

function header(value: string | string[] | number | undefined): string {
  if (value === undefined) return '-';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

const splitTarget = (target: string): [string, string] => {
  const index = target.indexOf('?');
  return index === -1 ? [target, ''] : [target.slice(0, index), target.slice(index + 1)];
};

const ATOMS: Record<string, Atom> = {
  h: (e) => e.remoteAddr || '-',
  l: () => '-',
  u: () => '-',
  t: (e) => clfTime(e.time),
  r: (e) => `${e.method} ${e.target} ${e.protocol}`,
  m: (e) => e.method,
  U: (e) => splitTarget(e.target)[0],
  q: (e) => splitTarget(e.target)[1],
  H: (e) => e.protocol,
  s: (e) => String(e.status),
  B: (e) => String(e.bytes),
  b: (e) => (e.bytes === 0 ? '-' : String(e.bytes)),
  f: (e) => header(e.requestHeaders.referer),
  a: (e) => header(e.requestHeaders['user-agent']),
  T: (e) => String(e.durationNs / 1_000_000_000n),
  M: (e) => String(e.durationNs / 1_000_000n),
  D: (e) => String(e.durationNs / 1_000n),
  L: (e) => (Number(e.durationNs) / 1e9).toFixed(6),
  p: () => `<${process.pid}>`,
};

/** Compiles a gunicorn format string; an unknown atom is an error naming it. */
export function compileFormat(format: string): (entry: AccessEntry) => string {
  const parts: (string | Atom)[] = [];
  let last = 0;
  for (const match of format.matchAll(/%\(([^)]+)\)s/g)) {
    parts.push(format.slice(last, match.index));
    parts.push(atom(match[1] as string));
    last = match.index + match[0].length;
  }
  parts.push(format.slice(last));
  return (entry) => parts.map((part) => (typeof part === 'string' ? part : part(entry))).join('');
}

function atom(name: string): Atom {
  const known = ATOMS[name];
  if (known) return known;
  // gunicorn's %({VAR}e)s reads the WSGI environ; reading process.env instead could log secrets, so it is not offered.
  const braced = /^\{([^}]+)\}([io])$/.exec(name);
  if (!braced) throw new OptionError(`--access-logformat: unknown atom %(${name})s`);
  const key = (braced[1] as string).toLowerCase();
  if (braced[2] === 'i') return (e) => header(e.requestHeaders[key]);
  return (e) => header(e.responseHeaders[key]);
}

/** One JSON object per line, for log pipelines. */
export function jsonLine(entry: AccessEntry): string {
  const [path, query] = splitTarget(entry.target);
  return JSON.stringify({
    time: entry.time.toISOString(),
    remote_addr: entry.remoteAddr,
    method: entry.method,
    path,
    query,
    protocol: entry.protocol,
    status: entry.status,
    bytes: entry.bytes,
    duration_ms: Number(entry.durationNs / 1000n) / 1000,
    referer: entry.requestHeaders.referer ?? null,
    user_agent: entry.requestHeaders['user-agent'] ?? null,
    pid: process.pid,
    ...entry.ids?.(),
  });
}

export interface AccessLogOptions {
  /** `-` for stdout, else a file path (appended to). */
  file: string;
  format?: string;
  json?: boolean;
}

export class AccessLog {
  private readonly render: (entry: AccessEntry) => string;
  private readonly stream: NodeJS.WritableStream;

  constructor(options: AccessLogOptions) {
    this.render = options.json ? jsonLine : compileFormat(options.format ?? DEFAULT_ACCESS_LOG_FORMAT);
    this.stream = options.file === '-' ? process.stdout : createWriteStream(options.file, { flags: 'a' });
    // A disk that fills up must not crash the worker: say so once and keep serving.
    let reported = false;
    this.stream.on('error', (error: Error) => {
      if (!reported) process.stderr.write(`access log ${options.file}: ${error.message}\n`);
      reported = true;
    });
  }

  write(entry: AccessEntry): void {
    this.stream.write(`${this.render(entry)}\n`);
  }
}
